"""PyTorch reference for CoLA (released v1 layout), written from the paper digest.

usage: /usr/bin/python3 cola_ref.py MODEL_DIR REQUEST.json OUT.json

REQUEST: {"seqs": [[ids...], ...], "codes": [[code per position], ...]}
OUT, per sequence (no padding, each sequence on its own):
  "idm":    IDM logits after the shift [T][C]
  "policy": policy logits [T][C]
  "wm":     world-model logits [T][V], code codes[t] taken at position t
  "logits": backbone next-token logits [T][V]
"""
import json
import math
import os
import struct
import sys

import torch

torch.set_grad_enabled(False)

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = bytearray(f.read())
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(data[a:b], dtype=DTYPES[info["dtype"]]) if b > a else torch.zeros(0)
        out[name] = t.reshape(info["shape"]).float().clone()
    return out


def load(dir):
    cfg = json.load(open(os.path.join(dir, "config.json")))
    w = {}
    for fn in sorted(os.listdir(dir)):
        if fn.endswith(".safetensors"):
            w.update(read_safetensors(os.path.join(dir, fn)))
    if "lm_head.weight" not in w:
        w["lm_head.weight"] = w["model.embed_tokens.weight"]
    return cfg, w


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope(cfg, T):
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd)
    assert cfg.get("rope_scaling") is None, "reference covers unscaled RoPE only"
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat((ang, ang), dim=-1)
    return emb.cos().float(), emb.sin().float()


def block(cfg, w, p, x):
    """One Llama decoder layer with weight prefix p over x [T,d], causal."""
    T, d = x.shape
    nH, nKV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or d // nH
    eps = cfg["rms_norm_eps"]
    h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
    q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, nH, hd).transpose(0, 1)
    k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, nKV, hd).transpose(0, 1)
    v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, nKV, hd).transpose(0, 1)
    cos, sin = rope(cfg, T)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    k = k.repeat_interleave(nH // nKV, dim=0)
    v = v.repeat_interleave(nH // nKV, dim=0)
    att = (q @ k.transpose(1, 2)) / math.sqrt(hd)
    att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    o = (att.softmax(-1) @ v).transpose(0, 1).reshape(T, nH * hd)
    x = x + o @ w[p + "self_attn.o_proj.weight"].T
    h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
    g = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
    u = h @ w[p + "mlp.up_proj.weight"].T
    return x + (g * u) @ w[p + "mlp.down_proj.weight"].T


def forward(cfg, w, ids, codes):
    eps = cfg["rms_norm_eps"]
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(cfg["num_hidden_layers"]):
        x = block(cfg, w, "model.layers.%d." % i, x)
    h = rms_norm(x, w["model.norm.weight"], eps)  # final, post-norm hidden state
    logits = h @ w["lm_head.weight"].T

    # IDM: blocks over h, action_norm, action_head, then z[t] := z[t+1] (last keeps its own).
    a = h
    for i in range(cfg["num_action_layer"]):
        a = block(cfg, w, "model.action_layers.%d." % i, a)
    z = rms_norm(a, w["model.action_norm.weight"], eps) @ w["model.action_head.weight"].T
    z = z.clone()
    z[:-1] = z[1:].clone()

    # Policy.
    p = h
    for i in range(cfg["num_policy_layer"]):
        p = block(cfg, w, "model.policy_layers.%d." % i, p)
    pol = rms_norm(p, w["model.policy_norm.weight"], eps) @ w["model.policy_head.weight"].T

    # World model: codebook is Linear(C -> d) on a one-hot.
    onehot = torch.nn.functional.one_hot(torch.tensor(codes), cfg["num_code"]).float()
    e = onehot @ w["model.action_code_book.weight"].T
    s = h
    for i in range(cfg["num_dyna_layer"]):
        pre = "model.action_merge_layers.%d." % i
        se = torch.cat((s, e), dim=-1)
        g = torch.nn.functional.silu(se @ w[pre + "gate_proj.weight"].T)
        u = se @ w[pre + "up_proj.weight"].T
        s = s + (g * u) @ w[pre + "down_proj.weight"].T
    o = rms_norm(s, w["model.norm.weight"], eps)
    if cfg.get("wm_minus_h", True):  # the released code's output; a config may say false
        o = o - h
    wm = o @ w["lm_head.weight"].T
    return {"idm": z.tolist(), "policy": pol.tolist(), "wm": wm.tolist(), "logits": logits.tolist()}


def main():
    cfg, w = load(sys.argv[1])
    req = json.load(open(sys.argv[2]))
    out = [forward(cfg, w, ids, codes) for ids, codes in zip(req["seqs"], req["codes"])]
    json.dump(out, open(sys.argv[3], "w"))


if __name__ == "__main__":
    main()
