// Overloaded: combines lambdas into one visitor for std::visit. Header-only; no state.
#pragma once

namespace ringlab {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace ringlab
