package gguf

import "strconv"

// GGMLType is a tensor element type (ggml_type).
type GGMLType uint32

// typeInfo is a ggml type's name, block size (elements per block) and type
// size (bytes per block), as in gguf-py's GGML_QUANT_SIZES.
type typeInfo struct {
	name  string
	block uint64
	size  uint64
}

// qkK is QK_K, the super-block size of the k-quants.
const qkK = 256

// ggmlTypes lists the types that current ggml reads from GGUF files. Ids
// 4, 5 (Q4_2, Q4_3), 31-33 (Q4_0_4_4 ...) and 36-38 (IQ4_NL_4_4 ...) were
// removed and are rejected, as ggml does.
var ggmlTypes = map[GGMLType]typeInfo{
	0:  {"F32", 1, 4},
	1:  {"F16", 1, 2},
	2:  {"Q4_0", 32, 2 + 16},
	3:  {"Q4_1", 32, 2 + 2 + 16},
	6:  {"Q5_0", 32, 2 + 4 + 16},
	7:  {"Q5_1", 32, 2 + 2 + 4 + 16},
	8:  {"Q8_0", 32, 2 + 32},
	9:  {"Q8_1", 32, 4 + 4 + 32},
	10: {"Q2_K", qkK, 2 + 2 + qkK/16 + qkK/4},
	11: {"Q3_K", qkK, 2 + qkK/4 + qkK/8 + 12},
	12: {"Q4_K", qkK, 2 + 2 + qkK/2 + 12},
	13: {"Q5_K", qkK, 2 + 2 + qkK/2 + qkK/8 + 12},
	14: {"Q6_K", qkK, 2 + qkK/2 + qkK/4 + qkK/16},
	15: {"Q8_K", qkK, 4 + qkK + qkK/8},
	16: {"IQ2_XXS", qkK, 2 + qkK/4},
	17: {"IQ2_XS", qkK, 2 + qkK/4 + qkK/32},
	18: {"IQ3_XXS", qkK, 2 + qkK/4 + qkK/8},
	19: {"IQ1_S", qkK, 2 + qkK/8 + qkK/16},
	20: {"IQ4_NL", 32, 2 + 16},
	21: {"IQ3_S", qkK, 2 + qkK/4 + qkK/8 + qkK/32 + 4},
	22: {"IQ2_S", qkK, 2 + qkK/4 + qkK/16},
	23: {"IQ4_XS", qkK, 2 + 2 + qkK/2 + qkK/64},
	24: {"I8", 1, 1},
	25: {"I16", 1, 2},
	26: {"I32", 1, 4},
	27: {"I64", 1, 8},
	28: {"F64", 1, 8},
	29: {"IQ1_M", qkK, qkK/8 + qkK/16 + qkK/32},
	30: {"BF16", 1, 2},
	34: {"TQ1_0", qkK, 2 + 4*13},
	35: {"TQ2_0", qkK, 2 + 64},
	39: {"MXFP4", 32, 1 + 16},
	40: {"NVFP4", 64, 4 + 32},
	41: {"Q1_0", 128, 2 + 16},
}

// String returns the ggml name ("Q4_K"), or "type(N)" for an unknown id.
func (t GGMLType) String() string {
	if ti, ok := ggmlTypes[t]; ok {
		return ti.name
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// BlockSize returns the number of elements per block, 0 if t is unknown.
func (t GGMLType) BlockSize() uint64 { return ggmlTypes[t].block }

// TypeSize returns the bytes per block, 0 if t is unknown.
func (t GGMLType) TypeSize() uint64 { return ggmlTypes[t].size }

// fileTypes names general.file_type values (llama_ftype in llama.h).
var fileTypes = map[int64]string{
	0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1",
	4: "MOSTLY_Q4_1_SOME_F16", 7: "MOSTLY_Q8_0", 8: "MOSTLY_Q5_0", 9: "MOSTLY_Q5_1",
	10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M", 13: "MOSTLY_Q3_K_L",
	14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M", 16: "MOSTLY_Q5_K_S", 17: "MOSTLY_Q5_K_M",
	18: "MOSTLY_Q6_K", 19: "MOSTLY_IQ2_XXS", 20: "MOSTLY_IQ2_XS", 21: "MOSTLY_Q2_K_S",
	22: "MOSTLY_IQ3_XS", 23: "MOSTLY_IQ3_XXS", 24: "MOSTLY_IQ1_S", 25: "MOSTLY_IQ4_NL",
	26: "MOSTLY_IQ3_S", 27: "MOSTLY_IQ3_M", 28: "MOSTLY_IQ2_S", 29: "MOSTLY_IQ2_M",
	30: "MOSTLY_IQ4_XS", 31: "MOSTLY_IQ1_M", 32: "MOSTLY_BF16", 36: "MOSTLY_TQ1_0",
	37: "MOSTLY_TQ2_0", 38: "MOSTLY_MXFP4_MOE", 39: "MOSTLY_NVFP4", 40: "MOSTLY_Q1_0",
	1024: "GUESSED",
}
