// The graph's name index (TensorIndex), Graph::tensors_in_order(), the
// out-of-line ValueInfo / rare node fields, and the node/tensor pool.

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "onnxkit/ir/graph.h"

using namespace onnxkit::ir;

TEST(IrIndex, ManyNamesInsertFindErase) {
  Graph g;
  g.reserve(0, 10);  // a hint only: growing past it must work
  std::vector<Tensor*> ts;
  for (int i = 0; i < 5000; ++i) ts.push_back(g.add_variable("t" + std::to_string(i)));
  EXPECT_EQ(g.indexed_tensor_count(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(g.find_local_tensor("t" + std::to_string(i)), ts[i]);
  EXPECT_EQ(g.find_local_tensor("t5000"), nullptr);
  // Renames take entries out from the middle of probe runs (backward shift).
  for (int i = 0; i < 5000; i += 3) ts[i]->set_name("r" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) {
    const std::string old_name = "t" + std::to_string(i), new_name = "r" + std::to_string(i);
    if (i % 3 == 0) {
      ASSERT_EQ(g.find_local_tensor(old_name), nullptr) << i;
      ASSERT_EQ(g.find_local_tensor(new_name), ts[i]) << i;
    } else {
      ASSERT_EQ(g.find_local_tensor(old_name), ts[i]) << i;
    }
  }
  EXPECT_EQ(g.indexed_tensor_count(), 5000u);
  // tensors() mirrors the index, and stays in step once made.
  const auto& map = g.tensors();
  EXPECT_EQ(map.size(), 5000u);
  ts[1]->set_name("renamed");
  EXPECT_EQ(map.count("t1"), 0u);
  EXPECT_EQ(map.at("renamed"), ts[1]);
  g.cleanup();  // nothing is used: every tensor goes
  EXPECT_EQ(g.indexed_tensor_count(), 0u);
  EXPECT_TRUE(map.empty());
}

TEST(IrIndex, LocalTensorFindsOrAdds) {
  Graph outer;
  Tensor* ox = outer.add_variable("x");
  Graph g(&outer);
  Tensor* x = g.local_tensor("x");  // the enclosing graph's "x" is not local
  EXPECT_NE(x, ox);
  EXPECT_EQ(x->graph(), &g);
  EXPECT_EQ(g.local_tensor("x"), x);
  EXPECT_EQ(g.find_local_tensor("x"), x);
  EXPECT_EQ(g.find_tensor("x"), x);
  EXPECT_EQ(outer.find_tensor("x"), ox);
  Tensor* e1 = g.local_tensor("");
  Tensor* e2 = g.local_tensor("");
  EXPECT_TRUE(e1->is_empty());
  EXPECT_NE(e1, e2);
  EXPECT_EQ(g.indexed_tensor_count(), 1u);
  EXPECT_EQ(g.owned_tensors().size(), 3u);
  // Lookups with a hash computed ahead agree with plain ones.
  TensorIndex index;
  std::vector<Tensor*> ts;
  for (int i = 0; i < 100; ++i) ts.push_back(g.local_tensor("n" + std::to_string(i)));
  for (Tensor* t : ts) ASSERT_TRUE(index.insert(t, hash_name(t->name())));
  for (Tensor* t : ts) {
    index.prefetch(hash_name(t->name()));
    index.prefetch_tensor(hash_name(t->name()));
    ASSERT_EQ(index.find(t->name(), hash_name(t->name())), t);
    ASSERT_EQ(index.find(t->name()), t);
  }
  EXPECT_FALSE(index.insert(g.add_variable("n7")));  // the name is taken
}

TEST(IrIndex, BigTablesGrowAndShrink) {
  // Tables of megabytes take a different allocation path (huge-page advice).
  Graph g;
  g.reserve(0, 300000);
  std::vector<Tensor*> ts;
  for (int i = 0; i < 2000; ++i) ts.push_back(g.add_variable("big" + std::to_string(i)));
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(g.find_local_tensor("big" + std::to_string(i)), ts[i]);
  TensorIndex index;
  index.reserve(300000);
  for (Tensor* t : ts) ASSERT_TRUE(index.insert(t));
  for (int i = 0; i < 2000; i += 2) ASSERT_TRUE(index.erase(ts[i]));
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(index.find(ts[i]->name()), i % 2 ? ts[i] : nullptr);
  TensorIndex moved = std::move(index);
  EXPECT_EQ(moved.size(), 1000u);
  moved.clear();
  EXPECT_EQ(moved.find("big1"), nullptr);
}

TEST(IrIndex, HashUsesEveryByteOfShortNames) {
  // Names of up to 7 bytes hash from one word built from overlapping loads:
  // each byte must count, at every length.
  std::unordered_set<std::uint64_t> seen;
  std::size_t made = 0;
  const std::string alphabet = "ab0_9Z.x/:";
  for (std::size_t len = 0; len <= 4; ++len) {
    std::size_t total = 1;
    for (std::size_t i = 0; i < len; ++i) total *= alphabet.size();
    for (std::size_t k = 0; k < total; ++k) {
      std::string name;
      for (std::size_t i = 0, v = k; i < len; ++i, v /= alphabet.size())
        name += alphabet[v % alphabet.size()];
      seen.insert(hash_name(name));
      ++made;
    }
  }
  for (std::size_t len = 5; len <= 9; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (char c : alphabet) {
        std::string name(len, 'q');
        name[pos] = c;
        seen.insert(hash_name(name));
        ++made;
      }
    }
  }
  EXPECT_EQ(seen.size(), made);
  EXPECT_NE(hash_name("t12345"), hash_name("t12354"));
}

TEST(IrIndex, DuplicateNamesKeepTheFirst) {
  Graph g;
  Tensor* a = g.add_variable("x");
  Tensor* b = g.add_variable("x");
  EXPECT_EQ(g.find_local_tensor("x"), a);
  b->set_name("y");
  EXPECT_EQ(g.find_local_tensor("x"), a);
  EXPECT_EQ(g.find_local_tensor("y"), b);
  a->set_name("z");
  EXPECT_EQ(g.find_local_tensor("x"), nullptr);  // as before: the duplicate was never indexed
}

TEST(IrIndex, TensorsInOrder) {
  Graph g;
  Tensor* x = g.add_variable("x");
  Tensor* w = g.add_variable("w");
  Tensor* y = g.add_variable("y");
  Tensor* z = g.add_variable("z");
  g.inputs() = {x};
  g.outputs() = {z};
  g.layer("Add", {x, w}, {y});
  g.layer("Relu", {y, g.add_empty_tensor()}, {z});
  EXPECT_EQ(g.tensors_in_order(), (std::vector<Tensor*>{x, w, y, z}));
  EXPECT_EQ(g.tensors_in_order(), (std::vector<Tensor*>{x, w, y, z}));  // scratch marks reset
}

TEST(IrIndex, OutOfLineFields) {
  Graph g;
  Tensor* t = g.add_variable("t");
  EXPECT_FALSE(t->has_info());
  const Tensor& ct = *t;
  EXPECT_FALSE(ct.info().type.has_value());
  EXPECT_FALSE(t->has_info());  // reading through const makes nothing
  t->info().doc_string = "d";
  EXPECT_TRUE(t->has_info());
  Node* n = g.add_node("Relu");
  EXPECT_EQ(n->doc_string(), "");
  EXPECT_EQ(n->overload(), "");
  EXPECT_TRUE(static_cast<const Node*>(n)->metadata_props().empty());
  n->set_overload("o");
  n->set_doc_string("doc");
  EXPECT_EQ(n->overload(), "o");
  EXPECT_EQ(n->doc_string(), "doc");
  auto copy = g.copy();
  EXPECT_EQ(copy->nodes()[0]->overload(), "o");
  EXPECT_EQ(copy->find_local_tensor("t")->info().doc_string, "d");
}

TEST(IrIndex, PooledObjectsAcrossThreads) {
  // Graphs made and destroyed on other threads, and one made here and freed
  // there: the pools hand blocks over without losing or sharing any.
  std::unique_ptr<Graph> made_here = std::make_unique<Graph>();
  for (int i = 0; i < 1000; ++i)
    made_here->layer("Relu", {made_here->add_variable("a" + std::to_string(i))}, {});
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([k, &made_here] {
      if (k == 0) made_here.reset();
      for (int round = 0; round < 3; ++round) {
        Graph g;
        Tensor* prev = g.add_variable("in");
        for (int i = 0; i < 20000; ++i) {
          Tensor* next = g.add_variable("t" + std::to_string(i));
          g.layer("Relu", {prev}, {next});
          prev = next;
        }
        g.outputs() = {prev};
        g.toposort();
        ASSERT_EQ(g.cleanup(), 0u);
        ASSERT_EQ(g.node_count(), 20000u);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(made_here, nullptr);
}
