"""Export and import: the review log file (parser and round trip), the Anki package (opened as Anki would:
a zip holding an SQLite collection), and notes brought back as a topic file that validates."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizapp.cli import main
from quizapp.content.bank import Bank, load_bank
from quizapp.content.schema import Flashcard
from quizapp.interop import import_notes
from quizapp.interop.export_anki import export_anki
from quizapp.interop.review_log import ReviewLogError, parse_csv, parse_json, read_file, write_csv, write_json
from quizapp.store.db import open_db
from quizapp.store.repo import CardState, Review, record_review
from quizapp.store.review_log import LoggedReview, all_reviews

FIXTURE_BANK = Path(__file__).parent / "fixtures" / "bank"
HEADER = "card_id,review_rating,review_time,review_duration\n"
T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


# -- the review log file ---------------------------------------------------------------------------


def test_csv_rows_parse_with_offsets_and_optional_duration() -> None:
    text = HEADER + "c1,3,2024-05-01T11:30:00+02:00,4200\nc1,1,2024-05-03T09:30:00Z,\n"
    assert parse_csv(text) == [
        LoggedReview("c1", T0, 3, 4200),
        LoggedReview("c1", T0 + timedelta(days=2), 1, None),
    ]


def test_every_bad_row_is_reported_by_line() -> None:
    text = (
        HEADER
        + "c1,3,2024-05-01T09:30:00+00:00,100\n"  # line 2: fine
        + "c1,5,2024-05-01T09:30:00+00:00,\n"  # line 3
        + "c1,3,2024-05-01T09:30:00,\n"  # line 4: no offset
        + ",3,2024-05-01T09:30:00+00:00,\n"  # line 5
        + "c1,3,yesterday,\n"  # line 6
        + "c1,good,2024-05-01T09:30:00+00:00,\n"  # line 7
        + "c1,3,2024-05-01T09:30:00+00:00,-4\n"  # line 8
        + '"c\n2",3,2024-05-01T09:30:00+00:00,1,extra\n'  # line 9 (a quoted line break: two lines)
        + "c1,2,2024-05-01T09:30:00+00:00,\n"  # line 11: fine
    )
    with pytest.raises(ReviewLogError) as caught:
        parse_csv(text, "log.csv")
    assert caught.value.problems == [
        "line 3: review_rating 5 is not 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)",
        "line 4: review_time '2024-05-01T09:30:00' has no UTC offset (add +00:00 or Z)",
        "line 5: card_id is empty",
        "line 6: review_time 'yesterday' is not an ISO 8601 time, e.g. 2024-05-01T09:30:00+00:00",
        "line 7: review_rating 'good' is not a whole number",
        "line 8: review_duration -4 is negative",
        "line 9: more fields than the 4 columns",
    ]
    assert (
        str(caught.value).splitlines()[0]
        == "log.csv: line 3: review_rating 5 is not 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)"
    )


def test_a_csv_without_the_columns_is_refused_at_line_1() -> None:
    with pytest.raises(ReviewLogError, match="line 1: the header is id,rating"):
        parse_csv("id,rating\nc1,3\n")


def test_review_log_round_trips_through_csv_and_json() -> None:
    reviews = [LoggedReview("a,b", T0, 2, 10), LoggedReview('q"x', T0 + timedelta(seconds=1.5), 4, None)]
    assert parse_csv(write_csv(reviews)) == reviews
    assert parse_json(write_json(reviews)) == reviews
    with pytest.raises(ReviewLogError, match="item 2: review_rating 0"):
        parse_json(json.dumps([json.loads(write_json(reviews))[0], {"card_id": "x", "review_rating": 0}]))


def test_export_reviews_writes_the_whole_log_that_from_csv_reads_back(tmp_path: Path) -> None:
    db_path = tmp_path / "q.db"
    db = open_db(db_path)
    for n, card in enumerate(["b", "a", "b"]):
        at = T0 + timedelta(days=n, microseconds=n)
        state = CardState(card, "t", "flashcard", 2, None, 2.0, 5.0, at + timedelta(days=2), at)
        record_review(db, None, state, Review(card, at, 1 + n, 1000 * n or None))
    stored = all_reviews(db)
    db.close()
    for name in ("log.csv", "log.json"):
        assert main(["export", "reviews", str(tmp_path / name), "--db", str(db_path)]) == 0
        back = read_file(tmp_path / name)
        assert back == [LoggedReview(r.card_id, r.reviewed_at, r.rating, r.duration_ms) for r in stored]
    assert [(r.card_id, r.rating) for r in stored] == [("a", 2), ("b", 1), ("b", 3)]
    assert (tmp_path / "log.csv").read_text().splitlines()[1] == "a,2,2024-05-02T09:30:00.000001+00:00,1000"


# -- the Anki package ------------------------------------------------------------------------------


def open_package(path: Path, tmp_path: Path) -> sqlite3.Connection:
    """The collection inside an .apkg, as Anki opens it."""
    with zipfile.ZipFile(path) as package:
        assert "collection.anki2" in package.namelist()
        package.extract("collection.anki2", tmp_path)
    return sqlite3.connect(tmp_path / "collection.anki2")


def package_notes(conn: sqlite3.Connection) -> dict[str, tuple[list[str], list[str], str]]:
    """guid -> (fields, tags, deck name) of every note (one card each)."""
    decks = {
        int(k): v["name"] for k, v in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()
    }
    rows = conn.execute("SELECT n.guid, n.flds, n.tags, c.did FROM notes n JOIN cards c ON c.nid = n.id")
    return {guid: (flds.split("\x1f"), tags.split(), decks[did]) for guid, flds, tags, did in rows}


@pytest.fixture
def fixture_bank() -> Bank:
    return load_bank([FIXTURE_BANK])


def test_apkg_is_an_anki_collection_with_a_deck_per_topic(fixture_bank: Bank, tmp_path: Path) -> None:
    import genanki

    result = export_anki(fixture_bank, tmp_path / "out.apkg")
    assert result.notes == {"alpha": 3 + 3, "beta": 3} and result.skipped == []
    notes = package_notes(open_package(tmp_path / "out.apkg", tmp_path))
    assert len(notes) == 9

    front, back, extra = notes[genanki.guid_for("quizapp", "alpha-one")][0]
    assert (front, back, extra) == ("What is the first letter?", "Alpha.", "It comes before beta.")
    fields, tags, deck = notes[genanki.guid_for("quizapp", "beta-two")]
    assert fields[:2] == ["What comes after beta?", "Gamma."]
    assert tags == ["greek", "order", "second"] and deck == "quizapp::Beta topic"

    (question, answer, _), _, deck = notes[genanki.guid_for("quizapp", "alpha-three")]
    assert question == "Which are vowels? (select all that apply)<br><br>A. Alpha<br>B. Beta<br>C. Omicron"
    assert answer.split("<br>") == [
        "<b>Correct: A, C</b>",
        "✓ A. Alpha — It starts with a vowel sound.",
        "✗ B. Beta — It is a consonant.",
        "✓ C. Omicron — It is the short o.",
    ]
    assert deck == "quizapp::Alpha topic"

    for seed in (1, 2, 3):  # numeric: generated instances, each naming its seed, answer checked by hand
        (prompt, solved, _), tags, _ = notes[genanki.guid_for("quizapp", "alpha-four", str(seed))]
        a = int(prompt.removeprefix("What is ").split(" ")[0])
        assert f"quizapp alpha-four, seed {seed}" in prompt
        assert solved.startswith(f"<b>{a + 1}</b>") and tags == ["greek"]

    (prompt, reference, _), _, _ = notes[genanki.guid_for("quizapp", "beta-code")]
    assert "def double(x):" in prompt and "return 2 * x" in reference


def test_reexporting_keeps_note_guids_and_deck_ids(fixture_bank: Bank, tmp_path: Path) -> None:
    export_anki(fixture_bank, tmp_path / "one.apkg", ["beta"])
    first = open_package(tmp_path / "one.apkg", tmp_path / "1")
    export_anki(fixture_bank, tmp_path / "two.apkg", ["beta"])
    second = open_package(tmp_path / "two.apkg", tmp_path / "2")
    query = "SELECT n.guid, c.did FROM notes n JOIN cards c ON c.nid = n.id ORDER BY n.guid"
    assert first.execute(query).fetchall() == second.execute(query).fetchall()
    assert len(first.execute(query).fetchall()) == 3


def test_export_anki_command_refuses_an_unknown_topic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", "anki", str(tmp_path / "x.apkg"), "--topic", "nope", "--content", str(FIXTURE_BANK)]
    assert main(args) == 2
    assert "unknown topic nope" in capsys.readouterr().err
    assert not (tmp_path / "x.apkg").exists()


# -- notes in, as a topic --------------------------------------------------------------------------


def anki_plain_text(conn: sqlite3.Connection) -> str:
    """What Anki's "Notes in Plain Text" export writes for these notes (HTML kept, tags last)."""
    import csv
    import io

    out = io.StringIO()
    out.write("#separator:tab\n#html:true\n#tags column:4\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for flds, tags in conn.execute("SELECT flds, tags FROM notes ORDER BY id"):
        writer.writerow([*flds.split("\x1f"), tags.strip()])
    return out.getvalue()


def test_flashcards_round_trip_through_anki(fixture_bank: Bank, tmp_path: Path) -> None:
    beta = [c for c in fixture_bank.cards.values() if fixture_bank.topic_of[c.id] == "beta"]
    flashcards = [c for c in beta if isinstance(c, Flashcard)]
    export_anki(fixture_bank, tmp_path / "beta.apkg", ["beta"])
    conn = open_package(tmp_path / "beta.apkg", tmp_path)
    text = anki_plain_text(conn)
    notes = tmp_path / "beta.txt"
    notes.write_text(text.replace("Beta.", "Beta &amp; <i>more</i>."))  # HTML as Anki users write it
    out = tmp_path / "mine"
    args = [
        "import",
        "notes",
        str(notes),
        "--topic",
        "beta-again",
        "--out",
        str(out),
        "--content",
        str(FIXTURE_BANK),
    ]
    assert main(args) == 0
    assert main(["validate", str(out)]) == 0
    back = load_bank([out])
    assert back.problems == [] and list(back.topics) == ["beta-again"]
    imported = [c for c in back.cards.values() if isinstance(c, Flashcard)]
    assert [(c.front, c.back) for c in imported[:2]] == [
        ("What is the second letter?", "Beta & more."),
        (flashcards[1].front, flashcards[1].back),
    ]
    tags = {c.front: set(c.tags) for c in imported}
    assert tags["What comes after beta?"] == {"greek", "second", "order"}


def test_plain_text_notes_html_tags_and_bad_rows() -> None:
    text = (
        "What is <b>2+2</b>?\t4<br>four\tmath Arith::Basic\n"  # line 1
        "only a front\n"  # line 2
        '"multi\nline front"\t\t\n'  # line 3 (and 4): empty back
        "\tno front\n"  # line 5
        "a\tb\tc\td\n"  # line 6: four fields, no tags header
        "x &lt; y?\t<div>yes</div><div>sure</div>\n"  # line 7
    )
    parsed = import_notes.parse_notes(text)
    assert parsed.problems == [
        "line 2: only one field; expected front and back separated by the separator",
        "line 3: the back is empty",
        "line 5: the front is empty",
        "line 6: 4 fields; expected front, back and optional tags",
    ]
    assert parsed.notes == [
        import_notes.Note(1, "What is 2+2?", "4\nfour", ("math", "arith-basic")),
        import_notes.Note(7, "x < y?", "yes\nsure"),
    ]


def test_csv_notes_with_a_header_and_the_command_lists_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cards.csv"
    path.write_text('front,back,tags\nWhat is AUC?,"Area under the ROC curve, 0.5 = chance",eval\n,missing\n')
    args = ["import", "notes", str(path), "--topic", "roc-notes", "--out", str(tmp_path)]
    assert main(args) == 2
    assert f"{path}:3: the front is empty" in capsys.readouterr().err
    assert not (tmp_path / "roc-notes.yaml").exists()
    assert main([*args, "--skip-bad", "--title", "ROC notes"]) == 0
    topic = load_bank([tmp_path / "roc-notes.yaml"])
    card = topic.cards["roc-notes-what-is-auc"]
    assert isinstance(card, Flashcard) and card.back == "Area under the ROC curve, 0.5 = chance"
    assert card.tags == ["eval"] and topic.topics["roc-notes"].title == "ROC notes"


def test_import_refuses_a_bad_or_taken_topic_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "n.txt"
    path.write_text("front\tback\n")
    assert main(["import", "notes", str(path), "--topic", "Bad Id", "--out", str(tmp_path)]) == 2
    assert "is not a topic id" in capsys.readouterr().err
    args = [
        "import",
        "notes",
        str(path),
        "--topic",
        "alpha",
        "--out",
        str(tmp_path),
        "--content",
        str(FIXTURE_BANK),
    ]
    assert main(args) == 2
    assert "already has a topic `alpha`" in capsys.readouterr().err


def test_line_numbers_count_blank_lines_and_quoted_line_breaks() -> None:
    text = HEADER + '\nc1,9,2024-05-01T09:30:00Z,\n\n"a\nb",3,x,\nc,3,2024-05-01T09:30:00Z\n'
    with pytest.raises(ReviewLogError) as caught:
        parse_csv(text)
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 3", "line 5"]


def test_anki_header_columns_for_guid_notetype_and_deck_are_left_out() -> None:
    text = (
        "#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:6\n"
        "Ab1x\tBasic\tML::Stats\tWhat is <i>p</i>?\tA probability\tstats ML::basics\n"
    )
    parsed = import_notes.parse_notes(text)
    assert parsed.problems == []
    assert parsed.notes == [import_notes.Note(7, "What is p?", "A probability", ("stats", "ml-basics"))]


def test_a_field_with_only_an_image_says_images_are_not_imported() -> None:
    parsed = import_notes.parse_notes('What is this?\t<img src="roc.png">\n')
    assert parsed.problems == [
        "line 1: the back is empty once its HTML is removed (images and sounds are not imported)"
    ]
