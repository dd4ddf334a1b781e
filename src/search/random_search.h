#pragma once
// Random search: every candidate is a fresh random member of the search space.
#include "search/search_algorithm.h"

namespace unas::search {

class RandomSearch : public SearchAlgorithm {
 public:
  explicit RandomSearch(SearchSettings settings) : settings_(std::move(settings)) {}
  Candidate propose(std::int64_t id) override;
  void observe(const Evaluated&) override {}

 private:
  SearchSettings settings_;
};

}  // namespace unas::search
