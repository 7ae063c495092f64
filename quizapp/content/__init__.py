"""Content: the YAML bank, its models, loader and validator."""
