#include "data/stratified_split.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace unas::data {

IndexSplit stratified_split(const torch::Tensor& labels, std::int64_t count, Rng& rng) {
  const torch::Tensor y = labels.to(torch::kInt64).contiguous();
  const std::int64_t n = y.size(0);
  if (count < 0 || count > n) throw std::invalid_argument("stratified_split: count outside 0..N");
  std::map<std::int64_t, std::vector<std::int64_t>> by_class;
  const auto* p = y.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) by_class[p[i]].push_back(i);

  // Floor of each class's share, then the left-over places to the largest remainders.
  struct Share {
    std::int64_t label, quota;
    double remainder;
  };
  std::vector<Share> shares;
  std::int64_t assigned = 0;
  for (const auto& [label, members] : by_class) {
    const double exact = static_cast<double>(count) * static_cast<double>(members.size()) / static_cast<double>(n);
    const auto quota = static_cast<std::int64_t>(exact);
    shares.push_back({label, quota, exact - static_cast<double>(quota)});
    assigned += quota;
  }
  std::vector<std::size_t> order(shares.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return shares[a].remainder > shares[b].remainder; });
  for (std::size_t k = 0; assigned < count; ++k, ++assigned) shares[order[k % order.size()]].quota++;

  std::vector<std::int64_t> kept, taken;
  for (const Share& share : shares) {
    std::vector<std::int64_t> members = by_class[share.label];
    for (std::size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng.index(i)]);  // Fisher-Yates
    taken.insert(taken.end(), members.begin(), members.begin() + share.quota);
    kept.insert(kept.end(), members.begin() + share.quota, members.end());
  }
  std::sort(kept.begin(), kept.end());
  std::sort(taken.begin(), taken.end());
  return IndexSplit{torch::tensor(kept, torch::kInt64), torch::tensor(taken, torch::kInt64)};
}

}  // namespace unas::data
