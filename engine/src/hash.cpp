#include <ringlab/engine/hash.h>

#include <xxhash.h>

namespace ringlab {

Token tokenForKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace ringlab
