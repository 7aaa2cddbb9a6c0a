// Decoding a whole translation answer. Gemma 4's translation prompt asks for
// "transcription\nSpanish: translation", but a small model may close its turn
// after the transcription instead. The request still wants a translation, so
// the decoder then writes the newline and the label itself, forced as the
// committed text is forced, and lets the model go on from there. An answer
// that holds its newline already is decoded once, as before.
//
//   bool label_written = false;
//   decode_translation_answer(decoder, stable, max_new, es, hyp, label_written);
//   // stable + hyp.tokens reads "w0 w1\nSpanish: p0 p1"
//
// Thread contract: as the decoder's (one session thread).
#pragma once

#include <span>
#include <string>

#include "model/language_names.h"
#include "stream/stream_decoder.h"

namespace earshot::stream {

// What separates the two parts: "\nSpanish:" (the space before the
// translation's first word belongs to that word's token).
std::string translation_label(const model::Language& target);

// As StreamDecoder::decode_final, for an answer that must hold a translation:
// out.tokens (after `prefix`) include the label when it had to be written,
// and label_written says so. An answer with no words is left alone.
DecodeStatus decode_translation_answer(StreamDecoder& decoder, std::span<const TokenId> prefix, int max_new,
                                       const model::Language& target, Hypothesis& out, bool& label_written);

}  // namespace earshot::stream
