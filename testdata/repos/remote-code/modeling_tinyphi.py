"""Modelling code of the fixture's model (aibom tests; never run)."""
import torch
from transformers import PreTrainedModel

from .configuration_tinyphi import TinyPhiConfig


class TinyPhiForCausalLM(PreTrainedModel):
    config_class = TinyPhiConfig

    def __init__(self, config):
        super().__init__(config)
        self.lm_head = torch.nn.Linear(config.hidden_size, config.vocab_size)
