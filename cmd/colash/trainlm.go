package main

func init() {
	register("train lm", "pretrain a plain Llama from scratch on next-token cross-entropy", nil).
		withUsage("colash train lm --config config.json --tokenizer tokenizer.json --data FILE --out DIR [flags]").
		withDoc(`The shape comes from a Hugging Face config.json (hidden_size, intermediate_size,
num_hidden_layers, num_attention_heads, num_key_value_heads, max_position_embeddings,
rope_theta; vocab_size is the tokenizer's), weights are drawn from --init-seed, and every weight
trains on next-token cross-entropy over packed --seq-token sequences. --out receives a Hugging
Face folder every command loads (config.json, model.safetensors, tokenizer.json), metrics.jsonl
and checkpoint/; --resume continues exactly. --model continues a Llama of the same shape
instead of fresh weights (e.g. on longer --seq). Under colash launch or torchrun it runs
data-parallel.`).
		withExample("colash tokenizer train --vocab 258 --data train.jsonl --out tok",
			"colash train lm --config recipes/testbed/testbed-config.json --tokenizer tok/tokenizer.json \\",
			"    --data train.jsonl --out lm --steps 3000 --batch 32 --seq 384")
}
