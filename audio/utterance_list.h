// Lists of recordings to transcribe or benchmark: a LibriSpeech-layout folder
// (every chapter's *.trans.txt names its utterances and their reference text)
// or a plain list file of "id path" lines.
//
//   for (const auto& u : librispeech_utterances("dev/1088")) use(u.id, u.path, u.text);
//
// Plain values; throws std::runtime_error naming the path that cannot be read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace earshot::audio {

struct Utterance {
  std::string id;    // "" for a file given by itself
  std::string path;  // the recording
  std::string text;  // the reference transcript, "" when unknown
};

// Sorted by id; the audio is <id>.flac/.wav/.opus/.ogg beside the transcript.
std::vector<Utterance> librispeech_utterances(const std::filesystem::path& root);

// Lines "id path"; empty lines and lines without a space are skipped.
std::vector<Utterance> list_utterances(const std::filesystem::path& list_path);

}  // namespace earshot::audio
