// Where keys live on the ring: the token of a key is the 64-bit XXH3 hash of its bytes. Pure; thread-safe.
#pragma once

#include <string_view>

#include <ringlab/engine/types.h>

namespace ringlab {

Token tokenForKey(std::string_view key);

}  // namespace ringlab
