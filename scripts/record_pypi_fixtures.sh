#!/bin/sh
# Re-record fixtures/index/pypi from PyPI (needs the internet; ~1 minute).
# The nvidia-*-cu12 pins below are the ones the derived torch 2.7.0+cu128 metadata
# in fixtures/index/pytorch names (see fixtures/index/pytorch/PROVENANCE.md), so the
# PyTorch-variant fixtures resolve entirely against these recordings.
set -eu
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" scripts/record_index.py --out fixtures/index/pypi --closure \
  --note "The nvidia-*-cu12 pins at 12.8.x versions are requested explicitly: they are what the derived torch 2.7.0+cu128 metadata in fixtures/index/pytorch requires (see its PROVENANCE.md). The 12.6.x pins come from PyPI torch 2.7.0's own METADATA (the PyPI Linux x86_64 build is cu126)." \
  torch==2.7.0 torchvision==0.22.0 torchaudio==2.7.0 \
  nvidia-cublas-cu12==12.8.3.14 nvidia-cuda-cupti-cu12==12.8.57 nvidia-cuda-nvrtc-cu12==12.8.61 \
  nvidia-cuda-runtime-cu12==12.8.57 nvidia-cudnn-cu12==9.7.1.26 nvidia-cufft-cu12==11.3.3.41 \
  nvidia-cufile-cu12==1.13.0.11 nvidia-curand-cu12==10.3.9.55 nvidia-cusolver-cu12==11.7.2.55 \
  nvidia-cusparse-cu12==12.5.7.53 nvidia-cusparselt-cu12==0.6.3 nvidia-nccl-cu12==2.26.2 \
  nvidia-nvjitlink-cu12==12.8.61 nvidia-nvtx-cu12==12.8.55
