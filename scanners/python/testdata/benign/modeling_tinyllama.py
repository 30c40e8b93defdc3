# coding=utf-8
# Copyright 2024 The Example Team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
"""PyTorch TinyLlama model, written for trust_remote_code in the layout
transformers uses for its own modeling files."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
import torch.utils.checkpoint
from torch import nn
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache
from transformers.modeling_outputs import BaseModelOutputWithPast, CausalLMOutputWithPast
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import (
    add_start_docstrings,
    add_start_docstrings_to_model_forward,
    is_flash_attn_2_available,
    is_flash_attn_greater_or_equal_2_10,
    logging,
    replace_return_docstrings,
)
from .configuration_tinyllama import TinyLlamaConfig

if TYPE_CHECKING:
    from transformers.generation import GenerationMixin

if is_flash_attn_2_available():
    from flash_attn import flash_attn_func, flash_attn_varlen_func
    from flash_attn.bert_padding import index_first_axis, pad_input, unpad_input  # noqa

try:
    from einops import rearrange
except ImportError:
    rearrange = None

logger = logging.get_logger(__name__)

_CONFIG_FOR_DOC = "TinyLlamaConfig"
__all__ = ["TinyLlamaModel", "TinyLlamaForCausalLM"]


def _get_unpad_data(attention_mask):
    seqlens_in_batch = attention_mask.sum(dim=-1, dtype=torch.int32)
    indices = torch.nonzero(attention_mask.flatten(), as_tuple=False).flatten()
    max_seqlen_in_batch = seqlens_in_batch.max().item()
    cu_seqlens = F.pad(torch.cumsum(seqlens_in_batch, dim=0, dtype=torch.int32), (1, 0))
    return (indices, cu_seqlens, max_seqlen_in_batch)


class TinyLlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)

    def extra_repr(self):
        return f"{tuple(self.weight.shape)}, eps={self.variance_epsilon}"


ALL_LAYERNORM_LAYERS = [TinyLlamaRMSNorm]


class TinyLlamaRotaryEmbedding(nn.Module):
    def __init__(self, dim, max_position_embeddings=2048, base=10000, device=None, scaling_factor=1.0):
        super().__init__()
        self.scaling_factor = scaling_factor
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float().to(device) / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    @torch.no_grad()
    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        with torch.autocast(device_type=x.device.type, enabled=False):
            freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
            emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(dtype=x.dtype), emb.sin().to(dtype=x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


@dataclass
class TinyLlamaOutput:
    logits: torch.FloatTensor = None
    past_key_values: Optional[Tuple[Tuple[torch.FloatTensor]]] = None


class TinyLlamaAttention(nn.Module):
    def __init__(self, config: TinyLlamaConfig, layer_idx: Optional[int] = None):
        super().__init__()
        self.config = config
        if layer_idx is None:
            logger.warning_once(f"Instantiating {self.__class__.__name__} without passing a `layer_idx` is not recommended")
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size, bias=config.attention_bias)
        self.act = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor, **kwargs) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        if (q := self.q_proj(hidden_states)) is not None:
            attn = torch.matmul(q, q.transpose(2, 3)) / math.sqrt(self.head_dim)
        match self.config.attn_implementation:
            case "eager":
                pass
            case "sdpa" | "flash_attention_2":
                attn = F.scaled_dot_product_attention(q, q, q)
            case _:
                raise ValueError(f"unknown attention {self.config.attn_implementation!r}")
        return attn, None


TINYLLAMA_ATTENTION_CLASSES = {
    "eager": TinyLlamaAttention,
    "sdpa": TinyLlamaAttention,
}

TINYLLAMA_START_DOCSTRING = r"""
    This model inherits from [`PreTrainedModel`].
"""


@add_start_docstrings(
    "The bare TinyLlama Model outputting raw hidden-states without any specific head on top.",
    TINYLLAMA_START_DOCSTRING,
)
class TinyLlamaPreTrainedModel(PreTrainedModel):
    config_class = TinyLlamaConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _no_split_modules = ["TinyLlamaDecoderLayer"]
    _supports_flash_attn_2 = True

    def _init_weights(self, module):
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std)


class TinyLlamaForCausalLM(TinyLlamaPreTrainedModel):
    _tied_weights_keys = ["lm_head.weight"]

    def __init__(self, config):
        super().__init__(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    @add_start_docstrings_to_model_forward(TINYLLAMA_START_DOCSTRING)
    @replace_return_docstrings(output_type=CausalLMOutputWithPast, config_class=_CONFIG_FOR_DOC)
    def forward(self, input_ids: torch.LongTensor = None, labels: Optional[torch.LongTensor] = None,
                *, return_dict: bool | None = None) -> Union[Tuple, CausalLMOutputWithPast]:
        logits = self.lm_head(input_ids).float()
        loss = None
        if labels is not None:
            loss = CrossEntropyLoss()(logits.view(-1, self.config.vocab_size), labels.view(-1))
        return CausalLMOutputWithPast(loss=loss, logits=logits)

    @staticmethod
    def _reorder_cache(past_key_values, beam_idx):
        return tuple(tuple(p.index_select(0, beam_idx) for p in layer) for layer in past_key_values)
