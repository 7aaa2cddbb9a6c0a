// KV cache bookkeeping and storage: prepare/apply, ring wrap-around with a
// tiny ring, rollback (and when it must be refused), eviction keeping a
// prefix, copy().
#include <gtest/gtest.h>

#include <vector>

#include "model/kv_cache.h"
#include "model/kv_cells.h"

namespace earshot::model {
namespace {

std::vector<int32_t> positions(std::span<const KvCell> cells) {
  std::vector<int32_t> out;
  for (const KvCell& c : cells) out.push_back(c.pos);
  return out;
}

void append(KvCells& cells, int32_t first_pos, int32_t n) {
  KvPlan plan;
  ASSERT_EQ(cells.prepare(first_pos, n, &plan), KvStatus::kOk);
  cells.apply(plan);
}

TEST(KvCells, PrepareRejectsWithoutChangingAnything) {
  KvCells cells(/*n_ctx=*/8, /*n_ring=*/6, /*window=*/3);  // batches of up to 4
  EXPECT_EQ(cells.max_batch(), 4);
  append(cells, 0, 3);
  KvPlan plan;
  EXPECT_EQ(cells.prepare(2, 1, &plan), KvStatus::kBadPosition);  // not after the last cell
  EXPECT_EQ(cells.prepare(3, 5, &plan), KvStatus::kBatchTooLarge);
  append(cells, 3, 4);
  EXPECT_EQ(cells.prepare(7, 2, &plan), KvStatus::kFull);         // 7 + 2 > 8 rows
  EXPECT_EQ(positions(cells.cells()), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(cells.prepare(7, 1, &plan), KvStatus::kOk);
  EXPECT_EQ(plan.first_row, 7);
  EXPECT_EQ(plan.first_serial, 7);
}

TEST(KvCells, RingHoldsTheLastSlotsAfterWrapAround) {
  KvCells cells(100, /*n_ring=*/5, /*window=*/2);
  for (int32_t p = 0; p < 12; ++p) append(cells, p, 1);
  EXPECT_EQ(positions(cells.ring_cells()), (std::vector<int32_t>{7, 8, 9, 10, 11}));
  for (const KvCell& c : cells.ring_cells()) EXPECT_EQ(cells.ring_slot(c.serial), c.pos % 5);
  EXPECT_EQ(cells.cells().size(), 12u);  // full layers keep everything
}

TEST(KvCells, RollbackIsRefusedWhenTheWindowWasOverwritten) {
  KvCells cells(100, /*n_ring=*/6, /*window=*/3);
  append(cells, 0, 4);
  for (int32_t p = 4; p < 10; ++p) append(cells, p, 1);
  // The ring holds serials 4..9; position 5 needs 3 and 4.
  EXPECT_EQ(cells.rollback(5), KvStatus::kRollbackTooFar);
  EXPECT_EQ(cells.last_pos(), 9);
  // Position 6 needs 4 and 5: still there.
  EXPECT_EQ(cells.rollback(6), KvStatus::kOk);
  EXPECT_EQ(cells.last_pos(), 5);
  // Serials are reused: the next cell takes the slot of the dropped one.
  KvPlan plan;
  ASSERT_EQ(cells.prepare(6, 1, &plan), KvStatus::kOk);
  EXPECT_EQ(plan.first_serial, 6);
  cells.apply(plan);
  // Serials 0..3 stay lost (their slots were overwritten by serials 6..9).
  EXPECT_EQ(positions(cells.ring_cells()), (std::vector<int32_t>{4, 5, 6}));
}

TEST(KvCells, RollbackToZeroEmptiesEverything) {
  KvCells cells(10, 4, 2);
  append(cells, 0, 3);
  EXPECT_EQ(cells.rollback(0), KvStatus::kOk);
  EXPECT_TRUE(cells.empty());
  append(cells, 0, 3);
  EXPECT_EQ(positions(cells.ring_cells()), (std::vector<int32_t>{0, 1, 2}));
}

TEST(KvCells, EvictKeepsThePrefixAndThePositions) {
  KvCells cells(10, 0, 1);
  append(cells, 0, 8);
  int64_t first_row = 0, n_rows = 0;
  EXPECT_EQ(cells.evict(5, 5, &first_row, &n_rows), KvStatus::kBadRange);
  EXPECT_EQ(cells.evict(2, 8, &first_row, &n_rows), KvStatus::kBadRange);  // would drop the last cell
  ASSERT_EQ(cells.evict(2, 6, &first_row, &n_rows), KvStatus::kOk);
  EXPECT_EQ(first_row, 2);
  EXPECT_EQ(n_rows, 4);
  EXPECT_EQ(positions(cells.cells()), (std::vector<int32_t>{0, 1, 6, 7}));
  append(cells, 8, 6);  // positions continue; rows 4..9 are free again
  EXPECT_EQ(positions(cells.cells()), (std::vector<int32_t>{0, 1, 6, 7, 8, 9, 10, 11, 12, 13}));
}

TextHparams two_layer_model() {
  TextHparams hp;
  hp.n_layer = 2;
  hp.n_embd = 8;
  hp.n_head = 2;
  hp.window = 2;
  hp.layers = {LayerShape{true, 1, 4, 4, 10000.0f, false}, LayerShape{false, 1, 4, 4, 10000.0f, true}};
  return hp;
}

TEST(KvCache, EvictMovesFullRowsAndCopyIsIndependent) {
  KvCache cache(two_layer_model(), {/*n_ctx=*/6, /*n_batch=*/2, /*n_rollback=*/1});
  EXPECT_EQ(cache.cells().n_ring(), 4);  // window - 1 + n_batch + n_rollback
  for (int32_t p = 0; p < 6; ++p) {
    KvPlan plan;
    ASSERT_EQ(cache.cells().prepare(p, 1, &plan), KvStatus::kOk);
    cache.apply(plan);
    const float k[4] = {float(p), 1, 2, 3}, v[4] = {float(-p), 0, 0, 0};
    cache.write(0, plan, 0, k, v);
    cache.write(1, plan, 0, k, v);
  }
  KvCache snapshot = cache.copy();
  ASSERT_EQ(cache.evict(1, 4), KvStatus::kOk);
  EXPECT_EQ(positions(cache.cells().cells()), (std::vector<int32_t>{0, 4, 5}));
  EXPECT_EQ(cache.keys(1)[0 * 4], 0.0f);  // row i holds cells()[i]
  EXPECT_EQ(cache.keys(1)[1 * 4], 4.0f);
  EXPECT_EQ(cache.values(1)[2 * 4], -5.0f);
  // Sliding layer: the ring slot of position 5 (serial 5) is 5 % 4.
  EXPECT_EQ(cache.keys(0)[(5 % 4) * 4], 5.0f);
  // The snapshot still has every position.
  EXPECT_EQ(snapshot.cells().cells().size(), 6u);
  EXPECT_EQ(snapshot.keys(1)[1 * 4], 1.0f);
}

}  // namespace
}  // namespace earshot::model
