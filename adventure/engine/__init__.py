"""The engine core: game state, the turn pipeline, events and commands. Never imports Textual."""
