"""The full-screen terminal front end (Textual). Start it with ``adventure play`` on a terminal.

``adventure.tui.app.run_tui`` is the entry point; ``adventure.tui.keys`` documents the key bindings and the
``keys.toml`` file that remaps them. The engine never imports this package.
"""
