package tokenizer

import "strings"

// Message is one turn of a chat conversation.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// CoLAPrompt is the plain question/answer template used by the CoLA recipes.
func CoLAPrompt(q string) string {
	return "User: " + q + "\nAssistant: "
}

// Llama3Chat renders msgs in the Llama-3 chat format:
//
//	<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>
//
// Content is trimmed of surrounding whitespace, as the template shipped in
// tokenizer_config.json does. <|begin_of_text|> is not included: request it
// with EncodeOptions.BOS. With addGenerationPrompt an empty assistant header
// is appended so the model continues as the assistant. Encode the result
// with EncodeOptions.AllowSpecial so the markers become special ids.
func Llama3Chat(msgs []Message, addGenerationPrompt bool) string {
	var sb strings.Builder
	for _, m := range msgs {
		writeHeader(&sb, m.Role)
		sb.WriteString(strings.TrimSpace(m.Content))
		sb.WriteString("<|eot_id|>")
	}
	if addGenerationPrompt {
		writeHeader(&sb, "assistant")
	}
	return sb.String()
}

func writeHeader(sb *strings.Builder, role string) {
	sb.WriteString("<|start_header_id|>")
	sb.WriteString(role)
	sb.WriteString("<|end_header_id|>\n\n")
}
