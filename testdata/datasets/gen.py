#!/usr/bin/python3
"""Writes the dataset fixtures of aibom/dataset (run from this folder).

pii/    a Hugging Face-style dataset (card + data/train.csv + data/test.jsonl)
        holding synthetic, obviously fake but format-valid personal data and
        one documented example secret. Every value is a published test or
        example value: Visa/Mastercard/Amex test card numbers, example.com
        addresses, 555-01xx fictional phone numbers, the AWS documentation
        key AKIAIOSFODNN7EXAMPLE, the jwt.io example token.
clean/  the same layout without personal data, with text that looks
        numeric (timestamps, versions, hashes, ids) to catch false positives.

Parquet and Arrow files are not written here: pyarrow is not in Debian's
python3, so the tests build them in Go (parquetFile, arrowStream).
Output is deterministic; the expected counts are in detect_test.go.
"""
import csv
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

CARD = """---
pretty_name: {name}
license: cc-by-4.0
language:
- en
task_categories:
- text-classification
size_categories:
- n<1K
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train.csv
  - split: test
    path: data/test.jsonl
dataset_info:
  features:
  - name: id
    dtype: int64
  - name: text
    dtype: string
  - name: label
    dtype: int64
  splits:
  - name: train
    num_examples: {train}
  - name: test
    num_examples: {test}
---
# {name}

Synthetic fixture for aibom's dataset tests. {note}
"""

PII_TRAIN = [
    (1, "Contact alice@example.com or call (202) 555-0143 about the order.", 0),
    (2, "Card on file 4111 1111 1111 1111, backup 5555555555554444.", 1),
    (3, "SSN 123-45-6789 was submitted by bob.jones@example.org.", 1),
    (4, "Reach me at +1 202 555 0178, thanks!", 0),
    (5, "Amex 378282246310005 expires 12/29.", 1),
    (6, "Config had aws_access_key_id=AKIAIOSFODNN7EXAMPLE in it.", 1),
    (7, "A multi-line\nnote from carol@example.net", 0),
    (8, "Nothing sensitive here, just a review of version 2.1.0.", 0),
]

PII_TEST = [
    {"id": 9, "text": "NI number AB123456C, IBAN GB82 WEST 1234 5698 7654 32", "label": 1},
    {"id": 10, "text": "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "label": 1},
    {"id": 11, "text": "dave@example.com asked at 2024-01-15T10:23:45Z", "label": 0},
]

CLEAN_TRAIN = [
    (1, "The model reached 91.2% accuracy at step 12000 on 2024-01-15T10:23:45Z.", 1),
    (2, "Upgrade numpy==1.26.4 and torch 2.1.0+cu121; commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904.", 0),
    (3, "Order 4000123456789 shipped; tracking 1Z999AA10123456784; ts 1700000000000.", 0),
    (4, "uuid 123e4567-e89b-12d3-a456-426614174000 on host 192.168.100.200:8080", 0),
    (5, "ISBN 978-3-16-148410-0, price $1,234,567.89, ratio 3.14159265358979", 1),
]

CLEAN_TEST = [
    {"id": 6, "text": "icon@2x.png and git@github.com:org/repo.git are not addresses", "label": 0},
    {"id": 7, "text": "input_ids [101, 7592, 1010, 2088, 999, 102]", "label": 1},
]


def write(folder, name, note, train, test):
    data = os.path.join(HERE, folder, "data")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(HERE, folder, "README.md"), "w", encoding="utf-8") as f:
        f.write(CARD.format(name=name, note=note, train=len(train), test=len(test)))
    with open(os.path.join(data, "train.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text", "label"])
        w.writerows(train)
    with open(os.path.join(data, "test.jsonl"), "w", encoding="utf-8") as f:
        for row in test:
            f.write(json.dumps(row) + "\n")


write("pii", "Fake PII fixture", "All personal data in it is fake.", PII_TRAIN, PII_TEST)
write("clean", "Clean fixture", "It holds no personal data.", CLEAN_TRAIN, CLEAN_TEST)
