"""A minimal example plugin (documented in docs/en/plugins.md): nudge the narration toward a few mood words
and count, across turns, how many of them the narrator used. Not enabled unless named
(``--steer-method mood-words`` or ``methods=["mood-words"]``)."""

from adventure.steering import Plugin


class MoodWords(Plugin):
    name = "mood-words"
    version = "1.0"
    description = "example: a logit bonus for a few words of the requested mood"
    attributes = frozenset({"공포"})        # canonical names; "horror" and other aliases resolve to 공포
    default_enabled = False
    words = ["그림자", "비명", "속삭임", "차가운"]

    def setup(self, model):
        # The first token of each word (a real plugin should use adventure.steering.helpers.bag_index,
        # which also handles multi-token words and particles).
        self.ids = sorted({model.encode(w)[0] for w in self.words})

    def edit_logits(self, input_ids, scores, turn):
        scores[:, self.ids] += 3.0 * turn.steer["공포"]
        return scores

    def on_token(self, token_id, step):
        if token_id in self.ids:
            self.state["uses"] = self.state.get("uses", 0) + 1

    def begin_turn(self, turn):
        self.state = turn.state                # persistent: saved with the game, restored by /undo


plugin = MoodWords()
