"""A fake Meshtastic node for tests and for playing without a radio (see ``node.py``)."""
