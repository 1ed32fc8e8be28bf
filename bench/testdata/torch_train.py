"""PyTorch eager pretraining step of a Llama, written as well as eager PyTorch 1.13 allows: the
baseline `colash bench train` compares `colash train lm`'s step with.

usage: torch_train.py SPEC.json, then commands on stdin, one a line:
  run N                    N steps; prints the seconds they took
  check OUT LR1 LR2 ...    one step per learning rate; prints {"loss": [...], "grad_norm": [...]}
                           and writes the weights after them to OUT (safetensors, HF names)
SPEC holds the model's config.json fields ("config"), the initial weights ("weights", a float32
safetensors file with Hugging Face names), the token file ("tokens": int64 tokens [n, seq] then
one byte per token, 1 where it is a target), "batch", "seq", "threads" and AdamW's "lr",
"weight_decay", "beta1", "beta2", "eps" and the gradient-norm "clip". Batches are the file's
sequences in order, cycling. No package beyond torch is needed (safetensors by json/struct).
"""
import json, math, struct, sys, time
import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    W = {}
    for k, v in hdr.items():
        if k != "__metadata__":
            b, e = v["data_offsets"]
            W[k] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(v["shape"]).clone()
    return W


def write_safetensors(path, W):
    hdr, off, blobs = {}, 0, []
    for k, t in W.items():
        b = t.detach().contiguous().float().numpy().tobytes()
        hdr[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(hdr).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Llama(torch.nn.Module):
    """RMSNorm, RoPE, SwiGLU, grouped-query attention; q/k/v and gate/up fused into one matrix each."""

    def __init__(self, cfg, W, T):
        super().__init__()
        self.d, self.nh, self.nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.hd, self.eps = self.d // self.nh, cfg["rms_norm_eps"]
        self.L, self.ff = cfg["num_hidden_layers"], cfg["intermediate_size"]
        P = lambda t: torch.nn.Parameter(t.contiguous())
        self.embed = P(W["model.embed_tokens.weight"])
        self.norm, self.head = P(W["model.norm.weight"]), P(W["lm_head.weight"])
        self.layers = torch.nn.ModuleList()
        for i in range(self.L):
            w = lambda k: W[f"model.layers.{i}.{k}"]
            m = torch.nn.Module()
            m.ln1, m.ln2 = P(w("input_layernorm.weight")), P(w("post_attention_layernorm.weight"))
            m.qkv = P(torch.cat([w("self_attn.q_proj.weight"), w("self_attn.k_proj.weight"), w("self_attn.v_proj.weight")]))
            m.o = P(w("self_attn.o_proj.weight"))
            m.gu = P(torch.cat([w("mlp.gate_proj.weight"), w("mlp.up_proj.weight")]))
            m.down = P(w("mlp.down_proj.weight"))
            self.layers.append(m)
        hd, g = self.hd, self.nh // self.nkv
        inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.outer(torch.arange(T, dtype=torch.float64), inv)
        self.cos = torch.cat([ang.cos()] * 2, -1).float().view(T, 1, hd)  # [T,1,hd]
        self.sin = torch.cat([ang.sin()] * 2, -1).float().view(T, 1, hd)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        # The g query heads of a key/value head are stacked along time: [g*T, T] additive mask.
        self.mask = torch.zeros(T, T).masked_fill(~causal, float("-inf")).repeat(g, 1)

    def weights(self):
        """The parameters under Hugging Face names (fused matrices split back)."""
        W = {"model.embed_tokens.weight": self.embed, "model.norm.weight": self.norm, "lm_head.weight": self.head}
        q, kv = self.nh * self.hd, self.nkv * self.hd
        for i, m in enumerate(self.layers):
            p = f"model.layers.{i}."
            W[p + "input_layernorm.weight"], W[p + "post_attention_layernorm.weight"] = m.ln1, m.ln2
            W[p + "self_attn.q_proj.weight"], W[p + "self_attn.k_proj.weight"], W[p + "self_attn.v_proj.weight"] = m.qkv.split([q, kv, kv])
            W[p + "self_attn.o_proj.weight"], W[p + "mlp.down_proj.weight"] = m.o, m.down
            W[p + "mlp.gate_proj.weight"], W[p + "mlp.up_proj.weight"] = m.gu.split([self.ff, self.ff])
        return W

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def rope(self, x):  # x [B,T,H,hd]
        h = self.hd // 2
        return x * self.cos + torch.cat([-x[..., h:], x[..., :h]], -1) * self.sin

    def block(self, m, x):
        B, T, _ = x.shape
        nh, nkv, hd = self.nh, self.nkv, self.hd
        g = nh // nkv
        qkv = F.linear(self.rms(x, m.ln1), m.qkv).view(B, T, nh + 2 * nkv, hd)
        qk = self.rope(qkv[:, :, : nh + nkv])                                 # query and key heads at once
        q = qk[:, :, :nh].transpose(1, 2).reshape(B * nkv, g * T, hd)        # [B*nkv, g*T, hd]
        k = qk[:, :, nh:].transpose(1, 2).reshape(B * nkv, T, hd)
        v = qkv[:, :, nh + nkv :].transpose(1, 2).reshape(B * nkv, T, hd)
        s = torch.baddbmm(self.mask, q, k.transpose(1, 2), alpha=1 / math.sqrt(hd))  # mask + q k^T / sqrt(hd)
        z = torch.bmm(s.softmax(-1), v).view(B, nh, T, hd).transpose(1, 2).reshape(B, T, nh * hd)
        x = x + F.linear(z, m.o)
        gate, up = F.linear(self.rms(x, m.ln2), m.gu).chunk(2, -1)
        return x + F.linear(F.silu(gate) * up, m.down)

    def forward(self, tokens, targets):
        x = F.embedding(tokens, self.embed)
        for m in self.layers:
            x = self.block(m, x)
        h = self.rms(x[:, :-1], self.norm)
        logits = F.linear(h, self.head)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100)


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(spec["threads"])
    B, T = spec["batch"], spec["seq"]
    with open(spec["tokens"], "rb") as f:
        raw = f.read()
    n = len(raw) // (9 * T)
    tokens = torch.frombuffer(bytearray(raw[: 8 * n * T]), dtype=torch.int64).view(n, T)
    target = torch.frombuffer(bytearray(raw[8 * n * T :]), dtype=torch.uint8).view(n, T).bool()
    targets = tokens.masked_fill(~target, -100)[:, 1:].contiguous()
    model = Llama(spec["config"], read_safetensors(spec["weights"]), T)
    params = [p for p in model.parameters()]
    decay = [p for p in params if p.dim() == 2]  # matrices decay; norm weights do not
    plain = [p for p in params if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": spec["weight_decay"]}, {"params": plain, "weight_decay": 0.0}],
                            lr=spec["lr"], betas=(spec["beta1"], spec["beta2"]), eps=spec["eps"], foreach=True)
    at = [0]

    def step(lr):
        i = at[0] % (n // B) * B
        at[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = model(tokens[i : i + B], targets[i : i + B])
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, spec["clip"]) if spec["clip"] > 0 else torch.zeros(())
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        return loss.item(), norm.item()

    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "run":
            start = time.perf_counter()
            for _ in range(int(cmd[1])):
                step(spec["lr"])
            print(time.perf_counter() - start, flush=True)
        elif cmd[0] == "check":
            out = {"loss": [], "grad_norm": []}
            for lr in cmd[2:]:
                loss, norm = step(float(lr))
                out["loss"].append(loss)
                out["grad_norm"].append(norm)
            write_safetensors(cmd[1], model.weights())
            print(json.dumps(out), flush=True)
        else:
            sys.exit(f"unknown command {cmd[0]!r}")


if __name__ == "__main__":
    main()
