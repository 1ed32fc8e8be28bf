"""PyTorch eager greedy decode with a KV cache: the baseline colash's decode is compared with.

usage: torch_decode.py MODEL_DIR BATCH TOKENS THREADS  -> prints tokens/s (all sequences together)
Weights are read from model.safetensors with json/struct (no safetensors package needed).
"""
import json, math, struct, sys, time
import torch

def load(d):
    with open(f"{d}/model.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    W = {}
    for k, v in hdr.items():
        if k != "__metadata__":
            b, e = v["data_offsets"]
            W[k] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(v["shape"])
    return json.load(open(f"{d}/config.json")), W

def main():
    d, B, N, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    cfg, W = load(d)
    dim, L, nh = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    nkv, eps = cfg["num_key_value_heads"], cfg["rms_norm_eps"]
    hd = dim // nh
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))
    ang = torch.outer(torch.arange(N + 1).float(), inv)
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    layers = [{k: W[f"model.layers.{i}.{k}"] for k in [
        "input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
        "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
        "mlp.down_proj.weight"]} for i in range(L)]
    F = torch.nn.functional
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w
    def rot(x, p):
        h = hd // 2
        return x * cos[p] + torch.cat([-x[..., h:], x[..., :h]], -1) * sin[p]
    K = [torch.zeros(B, nkv, N + 1, hd) for _ in range(L)]
    V = [torch.zeros(B, nkv, N + 1, hd) for _ in range(L)]
    tok = torch.full((B,), cfg["bos_token_id"], dtype=torch.long)
    with torch.no_grad():
        start = time.time()
        for p in range(N):
            x = W["model.embed_tokens.weight"][tok]
            for i, l in enumerate(layers):
                h = rms(x, l["input_layernorm.weight"])
                q = rot(F.linear(h, l["self_attn.q_proj.weight"]).view(B, nh, 1, hd), p)
                k = rot(F.linear(h, l["self_attn.k_proj.weight"]).view(B, nkv, 1, hd), p)
                v = F.linear(h, l["self_attn.v_proj.weight"]).view(B, nkv, 1, hd)
                K[i][:, :, p:p + 1] = k
                V[i][:, :, p:p + 1] = v
                kk = K[i][:, :, :p + 1].repeat_interleave(nh // nkv, 1)
                vv = V[i][:, :, :p + 1].repeat_interleave(nh // nkv, 1)
                a = torch.softmax(q @ kk.transpose(2, 3) / math.sqrt(hd), -1) @ vv
                x = x + F.linear(a.reshape(B, dim), l["self_attn.o_proj.weight"])
                h = rms(x, l["post_attention_layernorm.weight"])
                x = x + F.linear(F.silu(F.linear(h, l["mlp.gate_proj.weight"])) * F.linear(h, l["mlp.up_proj.weight"]),
                                 l["mlp.down_proj.weight"])
            tok = F.linear(rms(x, W["model.norm.weight"]), head).argmax(-1)
        el = time.time() - start
    print(B * N / el)

if __name__ == "__main__":
    main()
