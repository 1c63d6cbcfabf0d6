"""Story packs: the YAML format, its loader and validator, and the pack registry."""
