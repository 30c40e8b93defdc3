from transformers import AutoModel
HELPER = AutoModel.from_pretrained("someone/helper", trust_remote_code=True)
