package hooks

import "fmt"

// BlockPoints are the hook points of one decoder block, in forward order, with
// TransformerLens's names (its Llama: rotary attention, RMS norms, a gated MLP). Shapes, for a
// call over T new slots of B sequences with S slots visible:
//
//	hook_resid_pre, hook_attn_out, hook_resid_mid, hook_mlp_out, hook_resid_post   [B,T,d]
//	ln1.hook_scale, ln2.hook_scale             [B,T,1]  sqrt(mean(x^2) + eps)
//	ln1.hook_normalized, ln2.hook_normalized   [B,T,d]  x / scale, before the norm's weight
//	attn.hook_q, attn.hook_rot_q, attn.hook_z  [B,T,nH,hd]   (rot: after RoPE; z: per-head output)
//	attn.hook_k, attn.hook_v, attn.hook_rot_k  [B,T,nKV,hd]  (grouped-query heads, not repeated)
//	attn.hook_attn_scores, attn.hook_pattern   [B,nH,T,S]    (scores masked, pattern = softmax)
//	mlp.hook_pre, mlp.hook_pre_linear          [B,T,ff]      gate(x) and up(x)
//	mlp.hook_post                              [B,T,ff]      silu(gate(x)) * up(x)
var BlockPoints = []string{
	"hook_resid_pre",
	"ln1.hook_scale", "ln1.hook_normalized",
	"attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_rot_q", "attn.hook_rot_k",
	"attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z",
	"hook_attn_out", "hook_resid_mid",
	"ln2.hook_scale", "ln2.hook_normalized",
	"mlp.hook_pre", "mlp.hook_pre_linear", "mlp.hook_post", "hook_mlp_out",
	"hook_resid_post",
}

// Stack lists the hook points of layers blocks followed by a final norm and an output head,
// each name under prefix: the backbone ("") and CoLA's IDM ("idm.") and policy ("policy.").
// hook_logits (not in TransformerLens, whose unembedding has no hook) is the head's output.
func Stack(prefix string, layers int) []string {
	out := make([]string, 0, layers*len(BlockPoints)+3)
	for i := 0; i < layers; i++ {
		for _, p := range BlockPoints {
			out = append(out, fmt.Sprintf("%sblocks.%d.%s", prefix, i, p))
		}
	}
	return append(out, prefix+"ln_final.hook_scale", prefix+"ln_final.hook_normalized", prefix+"hook_logits")
}

// Llama lists the hook points of a Llama with layers blocks, in forward order.
func Llama(layers int) []string { return append([]string{"hook_embed"}, Stack("", layers)...) }

// CoLA lists the hook points of a CoLA model: the backbone's, then the IDM's, the policy's, the
// action's (the code taken at each position and its codebook vector) and the world model's.
//
//	action.hook_code    [B,T,1]  the code (as a float; a replacement is rounded to a code)
//	action.hook_embed   [B,T,d]  its codebook vector W_cb[:, a]
//	wm.merge.{i}.hook_out [B,T,d] what merge MLP i adds to the world model's state
//	wm.ln_final.hook_normalized [B,T,d], wm.hook_logits [B,T,V]
func CoLA(layers, idm, policy, merge int) []string {
	out := Llama(layers)
	out = append(out, Stack("idm.", idm)...)
	out = append(out, Stack("policy.", policy)...)
	out = append(out, "action.hook_code", "action.hook_embed")
	for i := 0; i < merge; i++ {
		out = append(out, fmt.Sprintf("wm.merge.%d.hook_out", i))
	}
	return append(out, "wm.ln_final.hook_scale", "wm.ln_final.hook_normalized", "wm.hook_logits")
}

// PosAxis is the axis of an activation's shape that runs over the slots (positions): 2 for the
// attention scores and pattern [B,nH,T,S], 1 for every other point.
func PosAxis(name string) int {
	if hasSuffix(name, "hook_attn_scores") || hasSuffix(name, "hook_pattern") {
		return 2
	}
	return 1
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }
