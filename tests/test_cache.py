"""The parsed-bank cache: unchanged files skip parsing, changed files and new code don't use it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE_BANK

from quizapp.content import bank as bank_module
from quizapp.content import cache as cache_module
from quizapp.content import loader as loader_module
from quizapp.content.bank import load_bank
from quizapp.content.cache import FileCache, default_cache_file
from quizapp.content.index import FileIndex


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_BANK, folder)
    return folder


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every file actually parsed."""
    calls: list[Path] = []
    real = loader_module.load_file

    def counting(path: Path, display: str | None = None):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path, display)

    monkeypatch.setattr(loader_module, "load_file", counting)
    return calls


def test_an_unchanged_bank_is_not_parsed_again(tmp_path: Path, content: Path, parsed: list[Path]) -> None:
    cache_file = tmp_path / "cache" / "bank.pickle"
    first = load_bank([content], FileCache(cache_file))
    assert len(parsed) == 2 and cache_file.exists()
    second = load_bank([content], FileCache(cache_file))
    assert len(parsed) == 2  # nothing parsed the second time
    assert second.cards == first.cards and second.topics == first.topics


def test_a_changed_file_is_parsed_again_and_its_problems_show(
    tmp_path: Path, content: Path, parsed: list[Path]
) -> None:
    cache_file = tmp_path / "bank.pickle"
    load_bank([content], FileCache(cache_file))
    beta = content / "beta.yaml"
    beta.write_text(beta.read_text(encoding="utf-8").replace("back: Beta.", "bak: Beta."), encoding="utf-8")
    stat = beta.stat()
    os.utime(beta, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    bank = load_bank([content], FileCache(cache_file))
    assert parsed[-1] == beta and len(parsed) == 3
    assert any("unknown key `bak`" in str(p) for p in bank.problems)
    assert "beta-one" not in bank.cards


def test_a_corrupt_cache_or_new_code_falls_back_to_parsing(
    tmp_path: Path, content: Path, parsed: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_file = tmp_path / "bank.pickle"
    cache_file.write_bytes(b"not a pickle")
    assert len(load_bank([content], FileCache(cache_file)).cards) == 7
    assert len(parsed) == 2
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another version")
    load_bank([content], FileCache(cache_file))
    assert len(parsed) == 4


def test_cache_location(tmp_path: Path) -> None:
    assert default_cache_file({"QUIZAPP_CACHE": "off"}) is None
    assert default_cache_file({"QUIZAPP_CACHE": str(tmp_path)}) == tmp_path / "bank.pickle"
    assert default_cache_file({}).name == "bank.pickle"  # type: ignore[union-attr]


# --- hostile files never enter, block or break the cache ---------------------------------------------


def test_files_refused_unread_are_never_cached_and_broken_yaml_is(
    tmp_path: Path, content: Path, parsed: list[Path]
) -> None:
    big = content / "big.yaml"
    big.write_text("topic: big\nsummary: " + "x" * (2 << 20) + "\n", encoding="utf-8")
    broken = content / "broken.yaml"
    broken.write_text("topic: [broken\n", encoding="utf-8")
    cache = FileCache(tmp_path / "bank.pickle")
    load_bank([content], cache)
    assert {Path(key[0]).name for key in cache.entries} == {"alpha.yaml", "beta.yaml", "broken.yaml"}
    parsed.clear()
    bank = load_bank([content], FileCache(tmp_path / "bank.pickle"))
    assert parsed == [big]  # refused again (cheaply), the rest from the cache
    assert [Path(p.path).name for p in bank.problems] == ["big.yaml", "broken.yaml"]


def test_a_file_that_changes_while_it_is_read_is_not_cached(
    tmp_path: Path, content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beta = content / "beta.yaml"
    real = loader_module.load_file

    def changing(path: Path, display: str | None = None):  # type: ignore[no-untyped-def]
        if path == beta:  # rewritten after its key was taken, before it is read
            beta.write_text(beta.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        return real(path, display)

    monkeypatch.setattr(loader_module, "load_file", changing)
    cache = FileCache(tmp_path / "bank.pickle")
    load_bank([content], cache)
    assert {Path(key[0]).name for key in cache.entries} == {"alpha.yaml"}
    key = FileCache.key(beta)
    assert key is not None and key not in cache.entries


def test_special_files_have_no_key(tmp_path: Path) -> None:
    assert FileCache.key(tmp_path) is None  # a folder
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    assert FileCache.key(tmp_path / "loop.yaml") is None
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.yaml")
        assert FileCache.key(tmp_path / "pipe.yaml") is None


def test_a_cache_that_cannot_be_read_or_written_is_only_a_missed_shortcut(
    tmp_path: Path, content: Path
) -> None:
    blocked = tmp_path / "bank.pickle"
    blocked.mkdir()  # a folder where the cache file should be
    bank = load_bank([content], FileCache(blocked))
    assert len(bank.cards) == 7
    assert sorted(tmp_path.iterdir()) == [blocked, content]  # no temp file left
    assert list(blocked.iterdir()) == []


def test_an_entry_pickle_refuses_leaves_no_file_behind(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "cache" / "bank.pickle")
    index = FileIndex(None, (), (), (), (), ())
    cache.put(("x.yaml", 1, 1, 1, 1), index, [lambda: None])  # type: ignore[list-item]  # must not raise
    cache.save()  # must not raise
    assert not cache.entries
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []


def _unpickled(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every file whose cached cards are unpickled."""
    calls: list[Path] = []
    real = bank_module._PickledFile.cards

    def counting(self: bank_module._PickledFile):  # type: ignore[no-untyped-def]
        calls.append(self.path)
        return real(self)

    monkeypatch.setattr(bank_module._PickledFile, "cards", counting)
    return calls


def test_a_warm_bank_follows_the_same_rules_for_duplicates(tmp_path: Path, content: Path) -> None:
    alpha = (content / "alpha.yaml").read_text(encoding="utf-8")
    beta = (content / "beta.yaml").read_text(encoding="utf-8")
    # a later file with a taken topic id is skipped; a later copy of a card id loses to the first
    (content / "z-same-topic.yaml").write_text(alpha.replace("id: alpha-", "id: other-"), encoding="utf-8")
    (content / "y-dup-card.yaml").write_text(
        beta.replace("topic: beta", "topic: gamma").replace("id: beta-two", "id: alpha-one"), encoding="utf-8"
    )
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    warm = load_bank([content], FileCache(cache_file))
    assert warm.problems == fresh.problems and len(fresh.problems) >= 2
    assert dict(warm.cards) == dict(fresh.cards) and "other-two" not in warm.cards
    assert warm.cards["alpha-one"].id == "alpha-one" and warm.topic_of["alpha-one"] == "alpha"
    assert (warm.positions, warm.topics) == (fresh.positions, fresh.topics)


def test_a_damaged_entry_is_parsed_again(tmp_path: Path, content: Path, parsed: list[Path]) -> None:
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    cache = FileCache(cache_file)
    key = next(k for k in cache.entries if k[0].endswith("alpha.yaml"))
    cache.entries[key] = (cache.entries[key][0], b"garbage")
    cache.dirty = True
    cache.save()
    assert load_bank([content], FileCache(cache_file)).cards["alpha-one"] == fresh.cards["alpha-one"]
    assert len(parsed) == 3  # alpha parsed again, not trusted from a damaged entry


def test_a_warm_bank_unpickles_a_files_cards_only_when_one_is_asked_for(
    tmp_path: Path, content: Path, parsed: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    unpickled = _unpickled(monkeypatch)
    warm = load_bank([content], FileCache(cache_file))
    assert len(parsed) == 2 and unpickled == []
    # everything the start needs, without a single card model
    assert list(warm.cards) == list(fresh.cards) and len(warm.cards) == 7 and "beta-one" in warm.cards
    assert warm.kind_of == {card_id: card.kind for card_id, card in fresh.cards.items()}
    assert warm.tags_of == {card_id: tuple(card.tags) for card_id, card in fresh.cards.items()}
    assert (warm.topic_of, warm.positions, warm.topics) == (fresh.topic_of, fresh.positions, fresh.topics)
    assert warm.select(kinds=["numeric"]) == fresh.select(kinds=["numeric"]) != []
    assert unpickled == []
    assert warm.cards.get("no-such-card") is None and unpickled == []
    assert warm.cards["beta-one"] == fresh.cards["beta-one"]
    assert warm.cards["beta-two"] == fresh.cards["beta-two"]  # same file: unpickled once, above
    assert unpickled == [content / "beta.yaml"] and len(parsed) == 2  # nothing parsed
    assert dict(warm.cards) == dict(fresh.cards) and len(unpickled) == 2


def test_cards_rewritten_by_another_quizapp_after_the_start_are_never_mixed_in(
    tmp_path: Path, content: Path, parsed: list[Path]
) -> None:
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    warm = load_bank([content], FileCache(cache_file))  # indexes only: the cards file isn't read yet
    cards_file = tmp_path / "bank.cards"
    assert cards_file.exists()
    other = cards_file.read_bytes()
    cards_file.write_bytes(bytes(16) + other[16:])  # same cards, another writer's token
    assert warm.cards["beta-one"] == fresh.cards["beta-one"]
    assert parsed[-1] == content / "beta.yaml" and len(parsed) == 3  # parsed again, not trusted
    cards_file.unlink()  # gone altogether
    assert warm.cards["alpha-one"] == fresh.cards["alpha-one"] and len(parsed) == 4


def test_a_named_pipe_in_place_of_the_cards_file_never_blocks(
    tmp_path: Path, content: Path, parsed: list[Path]
) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    warm = load_bank([content], FileCache(cache_file))
    (tmp_path / "bank.cards").unlink()
    os.mkfifo(tmp_path / "bank.cards")  # opening it to read would wait for a writer forever
    assert warm.cards["beta-one"] == fresh.cards["beta-one"]  # parsed again instead
    assert parsed[-1] == content / "beta.yaml"


def test_a_bank_keeps_reading_its_own_cards_after_another_quizapp_replaces_the_cache(
    tmp_path: Path, content: Path, parsed: list[Path]
) -> None:
    """An author renames a card while the app runs, and another quizapp refills the cache: the running
    bank still finds the cards its indexes list (the cards file it started with stays open)."""
    cache_file = tmp_path / "bank.pickle"
    fresh = load_bank([content], FileCache(cache_file))
    warm = load_bank([content], FileCache(cache_file))  # the running app
    beta = content / "beta.yaml"
    beta.write_text(
        beta.read_text(encoding="utf-8").replace("id: beta-two", "id: beta-renamed"), encoding="utf-8"
    )
    stat = beta.stat()
    os.utime(beta, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    other = load_bank([content], FileCache(cache_file))  # another quizapp: parses beta, rewrites the cache
    assert "beta-renamed" in other.cards and "beta-two" not in other.cards
    assert warm.cards["beta-two"] == fresh.cards["beta-two"]  # no KeyError: its own cards, not re-parsed
    assert parsed.count(beta) == 2  # the fresh load and the other quizapp's
