#include "model/session.h"

#include <algorithm>
#include <cstring>

#include "model/blas_runtime.h"
#include "model/ops.h"

namespace earshot::model {
namespace {

KvCacheParams cache_params(const SessionParams& p) { return {p.n_ctx, p.n_batch, p.n_rollback}; }

Status from_kv(KvStatus s) {
  switch (s) {
    case KvStatus::kOk: return Status::kOk;
    case KvStatus::kFull:
    case KvStatus::kBatchTooLarge: return Status::kCacheFull;
    case KvStatus::kBadPosition: return Status::kBadPosition;
    case KvStatus::kRollbackTooFar: return Status::kRollbackTooFar;
    case KvStatus::kBadRange: return Status::kBadRange;
  }
  return Status::kCacheFull;
}

std::unique_ptr<ThreadPool> make_pool(const SessionParams& p) {
  // The pool splits every matrix product itself (matmul.h says why); OpenBLAS's
  // own threads would only spin beside it.
  set_blas_threads(1);
  return std::make_unique<ThreadPool>(std::max(1, p.n_threads));
}

}  // namespace

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kCacheFull: return "cache full";
    case Status::kBadPosition: return "bad position";
    case Status::kRollbackTooFar: return "rollback too far";
    case Status::kBadRange: return "bad range";
    case Status::kBadToken: return "bad token";
    case Status::kNoAudioProjector: return "no audio projector";
    case Status::kNoLogits: return "no logits";
  }
  return "?";
}

Session::Session(const Model& model, const SessionParams& params)
    : model_(model),
      params_(params),
      pool_(make_pool(params)),
      cache_(model.hparams(), cache_params(params)),
      decoder_(model.hparams(), model.decoder(), *pool_, params.n_batch, params.keep_all_logits ? params.n_batch : 1,
               std::max(params.n_ctx, cache_.cells().n_ring()), model.projector() ? model.projector()->n_in : 0),
      n_chunk_(std::min(params.n_batch, cache_.cells().max_batch())) {
  if (const ProjectorWeights* p = model.projector()) {
    front_end_ = std::make_unique<AudioFrontEnd>(*p, n_chunk_);
    frames_.resize(static_cast<size_t>(n_chunk_) * kFrameSamples);
    features_.resize(static_cast<size_t>(n_chunk_) * p->n_in);
    waiting_.resize(kFrameSamples);
    if (params.keep_ctc_log_probs && p->ctc_head) ctc_head_ = &*p->ctc_head;
  }
}

Session::~Session() = default;

Status Session::check_room(int64_t n) const {
  const int64_t free = cache_.cells().n_ctx() - static_cast<int64_t>(cache_.cells().cells().size());
  return n <= free ? Status::kOk : Status::kCacheFull;
}

void Session::run_rows(int32_t n) {
  KvPlan plan;
  // check_room() ran first and n <= n_chunk_, so the plan is accepted.
  if (cache_.cells().prepare(n_pos_, n, &plan) != KvStatus::kOk) return;
  cache_.apply(plan);
  const int32_t n_logits = params_.keep_all_logits ? n : 1;
  decoder_.forward(cache_, plan, n_logits);
  n_pos_ += n;
  const int64_t n_vocab = model_.hparams().n_vocab;
  const float* logits = decoder_.activations().logits.data();
  last_logits_ = logits + (n_logits - 1) * n_vocab;
  has_logits_ = true;
  if (params_.keep_all_logits) all_logits_.insert(all_logits_.end(), logits, logits + n_logits * n_vocab);
}

Status Session::prefill_tokens(std::span<const TokenId> ids) {
  for (TokenId id : ids) {
    if (id < 0 || id >= model_.hparams().n_vocab) return Status::kBadToken;
  }
  if (Status s = check_room(static_cast<int64_t>(ids.size())); s != Status::kOk) return s;
  for (size_t begin = 0; begin < ids.size(); begin += static_cast<size_t>(n_chunk_)) {
    const auto n = static_cast<int32_t>(std::min(ids.size() - begin, static_cast<size_t>(n_chunk_)));
    decoder_.embed_tokens(ids.data() + begin, n);
    run_rows(n);
  }
  return Status::kOk;
}

void Session::run_frames(int32_t n_frames) {
  front_end_->embed(frames_.data(), n_frames, features_.data(), decoder_.activations().x.data(), decoder_.matmul());
  run_rows(n_frames);
  if (ctc_head_ != nullptr) ctc_head_->log_probs(decoder_.activations().x.data(), n_frames, ctc_log_probs_);
}

Status Session::prefill_audio(std::span<const float> samples) {
  if (!front_end_) return Status::kNoAudioProjector;
  const int64_t n_frames = static_cast<int64_t>((n_waiting_ + samples.size()) / kFrameSamples);
  if (Status s = check_room(n_frames); s != Status::kOk) return s;
  int32_t n_ready = 0;  // whole frames in frames_
  for (size_t used = 0; used < samples.size();) {
    const size_t take = std::min(samples.size() - used, kFrameSamples - n_waiting_);
    std::memcpy(waiting_.data() + n_waiting_, samples.data() + used, take * sizeof(float));
    n_waiting_ += take;
    used += take;
    if (n_waiting_ < kFrameSamples) break;
    std::memcpy(frames_.data() + static_cast<size_t>(n_ready) * kFrameSamples, waiting_.data(),
                kFrameSamples * sizeof(float));
    n_waiting_ = 0;
    if (++n_ready == n_chunk_) {
      run_frames(n_ready);
      n_ready = 0;
    }
  }
  if (n_ready > 0) run_frames(n_ready);
  return Status::kOk;
}

Status Session::flush_audio() {
  if (!front_end_) return Status::kNoAudioProjector;
  if (n_waiting_ == 0) return Status::kOk;
  if (Status s = check_room(1); s != Status::kOk) return s;
  std::fill(waiting_.begin() + static_cast<ptrdiff_t>(n_waiting_), waiting_.end(), 0.0f);
  std::memcpy(frames_.data(), waiting_.data(), kFrameSamples * sizeof(float));
  n_waiting_ = 0;
  run_frames(1);
  return Status::kOk;
}

Status Session::audio_features(std::span<const float> frames, std::vector<float>& features) {
  if (!front_end_) return Status::kNoAudioProjector;
  const int64_t n_frames = static_cast<int64_t>(frames.size() / kFrameSamples);
  const int n_in = front_end_->n_features();
  features.resize(static_cast<size_t>(n_frames * n_in));
  for (int64_t f = 0; f < n_frames; f += n_chunk_) {
    const int64_t n = std::min<int64_t>(n_chunk_, n_frames - f);
    front_end_->features(frames.data() + f * kFrameSamples, n, features.data() + f * n_in);
  }
  return Status::kOk;
}

Status Session::decode_token(TokenId id) { return prefill_tokens(std::span<const TokenId>(&id, 1)); }

Status Session::decode_next(TokenId* token) {
  if (!has_logits_) return Status::kNoLogits;
  const TokenId t = greedy_token();
  const Status s = decode_token(t);
  if (s == Status::kOk) *token = t;
  return s;
}

std::span<const float> Session::logits() const {
  if (!has_logits_) return {};
  return {last_logits_, static_cast<size_t>(model_.hparams().n_vocab)};
}

TokenId Session::greedy_token() const {
  if (!has_logits_) return -1;
  return static_cast<TokenId>(ops::argmax(last_logits_, model_.hparams().n_vocab));
}

Status Session::rollback(int32_t n_pos) {
  if (n_pos < 0 || n_pos > n_pos_) return Status::kBadPosition;
  const Status s = from_kv(cache_.rollback(n_pos));
  if (s != Status::kOk) return s;
  n_pos_ = n_pos;
  has_logits_ = false;
  return Status::kOk;
}

Status Session::copy_last_rows(int32_t n, KvRows& out) const { return from_kv(cache_.copy_last(n, &out)); }

Status Session::append_rows(const KvRows& rows) {
  if (Status s = check_room(rows.n); s != Status::kOk) return s;
  if (Status s = from_kv(cache_.append(n_pos_, rows)); s != Status::kOk) return s;
  n_pos_ += rows.n;
  has_logits_ = false;
  return Status::kOk;
}

Status Session::evict(int32_t keep_until, int32_t drop_until) { return from_kv(cache_.evict(keep_until, drop_until)); }

void Session::reset() {
  cache_.rollback(0);
  n_pos_ = 0;
  has_logits_ = false;
  reset_audio();
}

void Session::reset_audio() {
  n_waiting_ = 0;
  if (front_end_) front_end_->reset();
  ctc_log_probs_.clear();
}

}  // namespace earshot::model
