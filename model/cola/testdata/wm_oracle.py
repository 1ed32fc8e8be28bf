"""How low can a CoLA world model's cross-entropy go on a backbone's own text, given the true
next token in place of a latent code? An upper bound on stage 1a, with and without the released
code's "- h" (docs/training.md, "The world model's - h"). A measurement tool, not part of colash.

usage: /usr/bin/python3 wm_oracle.py LLAMA_DIR TEXT.jsonl minus|plain

LLAMA_DIR: a Hugging Face Llama folder with a byte-level tokenizer.json (colash train lm writes
one). Prints the backbone's cross-entropy, then the world model's every 50 of 300 updates.
"""
import json
import math
import sys

import torch

import cola_ref as R


def byte_ids(tok):
    """GPT-2 byte-to-unicode table composed with the tokenizer's vocabulary: id of each byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = tok["model"]["vocab"]
    return {b: vocab[chr(c)] for b, c in zip(bs, cs)}


def main():
    mdir, data, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    cfg, w = R.load(mdir)
    tok = json.load(open(mdir + "/tokenizer.json"))
    ids = byte_ids(tok)
    bos = next(a["id"] for a in tok["added_tokens"] if "begin" in a["content"])
    stream = []
    for line in list(open(data))[:3000]:
        stream += [bos] + [ids[b] for b in json.loads(line)["text"].encode()]
    T, N, eps = 256, 48, cfg["rms_norm_eps"]
    seqs = torch.tensor([stream[i * T:(i + 1) * T] for i in range(N)])
    with torch.no_grad():
        H = []
        for s in seqs:  # the backbone's post-final-norm states h [T, d]
            x = w["model.embed_tokens.weight"][s]
            for i in range(cfg["num_hidden_layers"]):
                x = R.block(cfg, w, "model.layers.%d." % i, x)
            H.append(R.rms_norm(x, w["model.norm.weight"], eps))
        H = torch.stack(H)[:, :-1]
    W, g, tgt = w["lm_head.weight"], w["model.norm.weight"], seqs[:, 1:]
    V, d, F = W.shape[0], H.shape[-1], cfg["intermediate_size"]
    print("backbone CE %.3f" % torch.nn.functional.cross_entropy((H @ W.T).reshape(-1, V), tgt.reshape(-1)).item())

    def weight(o, i, std):
        return (torch.randn(o, i) * std).requires_grad_()
    emb = weight(V, d, 0.02)  # the oracle's "codebook": one vector per next token
    merge = [(weight(2 * d, F, 0.02), weight(2 * d, F, 0.02), weight(F, d, 0.02 / math.sqrt(8))) for _ in range(2)]
    opt = torch.optim.AdamW([emb] + [p for m in merge for p in m], lr=3e-3, weight_decay=0.0)
    for step in range(301):
        idx = torch.randint(0, N, (8,))
        h, e = H[idx], emb[tgt[idx]]
        s = h
        for gw, uw, dw in merge:
            se = torch.cat((s, e), -1)
            s = s + (torch.nn.functional.silu(se @ gw.T) * (se @ uw.T)) @ dw.T
        o = R.rms_norm(s, g, eps)
        if mode == "minus":
            o = o - h
        ce = torch.nn.functional.cross_entropy((o @ W.T).reshape(-1, V), tgt[idx].reshape(-1))
        opt.zero_grad()
        ce.backward()
        opt.step()
        if step % 50 == 0:
            print("%s update %d CE %.3f" % (mode, step, ce.item()), flush=True)


if __name__ == "__main__":
    main()
