"""Configuration of the fixture's model (aibom tests; never run)."""
from transformers import PretrainedConfig


class TinyPhiConfig(PretrainedConfig):
    model_type = "tinyphi"

    def __init__(self, hidden_size=2048, **kwargs):
        self.hidden_size = hidden_size
        super().__init__(**kwargs)
