#!/bin/sh
# Writes the Git LFS pointer files of the fixture repositories: each
# stands for an object whose SHA-256 is that of the pointer's path (the
# objects are not real, so no content is fetched by mistake) and whose
# size is given. Run from this folder: sh gen.sh
set -e
ptr() {
	mkdir -p "$(dirname "$1")"
	oid=$(printf '%s' "$1" | sha256sum | cut -c1-64)
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %s\n' "$oid" "$2" > "$1"
}
ptr encoder-qa/model.safetensors 496254442
ptr encoder-qa/pytorch_model.bin 496313727
ptr encoder-qa/onnx/model.onnx 496534221
ptr moe-chat/model-00001-of-00002.safetensors 4987562348
ptr moe-chat/model-00002-of-00002.safetensors 2311489520
ptr sentence-embed/model.safetensors 90868376
ptr sentence-embed/pytorch_model.bin 90888945
ptr sentence-embed/onnx/model.onnx 90405214
ptr sentence-embed/onnx/model_qint8_avx512.onnx 23026053
ptr stable-diffusion/unet/diffusion_pytorch_model.safetensors 3438167536
ptr stable-diffusion/vae/diffusion_pytorch_model.safetensors 334643268
ptr stable-diffusion/text_encoder/model.safetensors 492265874
ptr stable-diffusion/safety_checker/model.safetensors 1215981830
ptr stable-diffusion/sd-v1-5-pruned-emaonly.safetensors 4265146304
ptr ddpm-cifar/unet/diffusion_pytorch_model.safetensors 143384284
ptr lora-adapter/adapter_model.safetensors 6832600
ptr remote-code/model.safetensors 2836579040
