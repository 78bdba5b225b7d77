// The version of ringlabd's admin HTTP API (docs/ADMIN_API.md): the "api_version" field that the node writes into
// every JSON body and that the desktop app requires before it reads one. It lives here, in the lowest layer both the
// node (engine/net) and the app (ui) link, so that the server and its client cannot disagree. Fields may be added
// within a version; removing a field or changing its meaning needs a new version.
#pragma once

namespace ringlab {

inline constexpr int kAdminApiVersion = 1;

}  // namespace ringlab
