"""PyTorch reference for two hook points of the Llama forward pass.

usage: hooks_ref.py MODEL_DIR IDS_JSON OUT_JSON
Runs model/checkpoint/testdata/llama_ref.py's forward pass on the token ids and records the
input of its last RMS norm (the final norm): that is blocks.{L-1}.hook_resid_post; its x/rms,
before the weight, is ln_final.hook_normalized (TransformerLens's names). OUT_JSON receives
{"resid_post": [T][d], "normalized": [T][d]}.
"""
import json, os, sys
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "checkpoint", "testdata"))
import llama_ref

seen = []
plain_rms = llama_ref.rms

def recording_rms(x, w, eps):
    seen.append((x, eps))
    return plain_rms(x, w, eps)

llama_ref.rms = recording_rms

def main():
    model_dir, ids_path, out_path = sys.argv[1:4]
    cfg = json.load(open(f"{model_dir}/config.json"))
    W = llama_ref.read_safetensors(f"{model_dir}/model.safetensors")
    ids = json.load(open(ids_path))
    with torch.no_grad():
        llama_ref.forward(W, cfg, ids)
        x, eps = seen[-1]
        normalized = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    json.dump({"resid_post": x.tolist(), "normalized": normalized.tolist()}, open(out_path, "w"))

if __name__ == "__main__":
    main()
