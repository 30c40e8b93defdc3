"""Tokenizer of the fixture's model (aibom tests; never run)."""
from transformers import PreTrainedTokenizer


class TinyPhiTokenizer(PreTrainedTokenizer):
    pass
