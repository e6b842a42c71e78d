"""The test world: local conda channels, a micromamba stand-in, sample monorepos, fixtures.

Start with `fixtures.py` (what tests get), `channel.py` (what the channels hold) and
`micromamba_standin.py` (what the fake micromamba does).
"""
