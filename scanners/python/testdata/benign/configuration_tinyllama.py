""" TinyLlama model configuration"""

from transformers.configuration_utils import PretrainedConfig
from transformers.utils import logging


logger = logging.get_logger(__name__)

TINYLLAMA_PRETRAINED_CONFIG_ARCHIVE_MAP = {}


class TinyLlamaConfig(PretrainedConfig):
    model_type = "tinyllama"
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        vocab_size=32000,
        hidden_size=4096,
        rope_scaling=None,
        attention_bias=False,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.rope_scaling = rope_scaling
        self._rope_scaling_validation()
        super().__init__(**kwargs)

    def _rope_scaling_validation(self):
        if self.rope_scaling is None:
            return
        if not isinstance(self.rope_scaling, dict) or len(self.rope_scaling) != 2:
            raise ValueError(
                "`rope_scaling` must be a dictionary with two fields, `type` and `factor`, " f"got {self.rope_scaling}"
            )


TinyLlamaConfig.register_for_auto_class()
