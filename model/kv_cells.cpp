#include "model/kv_cells.h"

#include <algorithm>
#include <limits>

namespace earshot::model {

const char* kv_status_name(KvStatus status) {
  switch (status) {
    case KvStatus::kOk: return "ok";
    case KvStatus::kFull: return "cache full";
    case KvStatus::kBatchTooLarge: return "batch too large";
    case KvStatus::kBadPosition: return "position not after the last cell";
    case KvStatus::kRollbackTooFar: return "rollback beyond what the sliding layers hold";
    case KvStatus::kBadRange: return "bad eviction range";
  }
  return "?";
}

KvCells::KvCells(int32_t n_ctx, int32_t n_ring, int32_t window) : n_ctx_(n_ctx), n_ring_(n_ring), window_(window) {
  cells_.reserve(static_cast<size_t>(n_ctx));
}

int32_t KvCells::max_batch() const { return n_ring_ > 0 ? n_ring_ - window_ + 1 : n_ctx_; }

KvStatus KvCells::prepare(int32_t first_pos, int32_t n_tokens, KvPlan* plan) const {
  if (n_tokens < 0 || n_tokens > max_batch()) return KvStatus::kBatchTooLarge;
  if (first_pos < 0 || first_pos <= last_pos() || first_pos > std::numeric_limits<int32_t>::max() - n_tokens) {
    return KvStatus::kBadPosition;
  }
  if (cells_.size() + static_cast<size_t>(n_tokens) > static_cast<size_t>(n_ctx_)) return KvStatus::kFull;
  plan->first_pos = first_pos;
  plan->n_tokens = n_tokens;
  plan->first_row = static_cast<int64_t>(cells_.size());
  plan->first_serial = next_serial_;
  return KvStatus::kOk;
}

void KvCells::apply(const KvPlan& plan) {
  for (int32_t i = 0; i < plan.n_tokens; ++i) cells_.push_back({plan.first_pos + i, plan.first_serial + i});
  next_serial_ = plan.first_serial + plan.n_tokens;
  if (n_ring_ > 0) lost_below_ = std::max(lost_below_, next_serial_ - n_ring_);
}

size_t KvCells::first_in_ring() const {
  if (n_ring_ == 0) return cells_.size();
  const auto it = std::lower_bound(cells_.begin(), cells_.end(), lost_below_,
                                   [](const KvCell& c, int64_t serial) { return c.serial < serial; });
  return static_cast<size_t>(it - cells_.begin());
}

std::span<const KvCell> KvCells::ring_cells() const {
  return std::span<const KvCell>(cells_).subspan(first_in_ring());
}

KvStatus KvCells::rollback(int32_t n_pos) {
  const auto by_pos = [](const KvCell& c, int32_t pos) { return c.pos < pos; };
  const size_t kept = static_cast<size_t>(std::lower_bound(cells_.begin(), cells_.end(), n_pos, by_pos) - cells_.begin());
  if (n_ring_ > 0) {
    // The next query (at n_pos or later) needs the kept cells inside its window.
    const int64_t oldest_needed = static_cast<int64_t>(n_pos) - window_ + 1;
    const auto first_needed = std::lower_bound(cells_.begin(), cells_.begin() + static_cast<ptrdiff_t>(kept),
                                               oldest_needed, [](const KvCell& c, int64_t pos) { return c.pos < pos; });
    if (first_needed != cells_.begin() + static_cast<ptrdiff_t>(kept) && first_needed->serial < lost_below_) {
      return KvStatus::kRollbackTooFar;
    }
  }
  cells_.resize(kept);
  if (cells_.empty()) {
    next_serial_ = 0;
    lost_below_ = 0;
  } else {
    next_serial_ = cells_.back().serial + 1;  // the ring reuses the slots of the dropped cells
    lost_below_ = std::min(lost_below_, next_serial_);
  }
  return KvStatus::kOk;
}

KvStatus KvCells::evict(int32_t keep_until, int32_t drop_until, int64_t* first_row, int64_t* n_rows) {
  const auto by_pos = [](const KvCell& c, int32_t pos) { return c.pos < pos; };
  const auto begin = std::lower_bound(cells_.begin(), cells_.end(), keep_until, by_pos);
  const auto end = std::lower_bound(cells_.begin(), cells_.end(), drop_until, by_pos);
  if (keep_until >= drop_until || begin >= end || end == cells_.end()) return KvStatus::kBadRange;
  *first_row = begin - cells_.begin();
  *n_rows = end - begin;
  cells_.erase(begin, end);
  return KvStatus::kOk;
}

}  // namespace earshot::model
