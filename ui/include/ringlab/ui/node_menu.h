// The simulation's actions on nodes, as the node context menu and the partition dialog offer them: crash, restart,
// wipe, slow down, isolate, decommission and remove, each enabled only when it makes sense for the node's state.
//
// Thread-safety: UI thread only.
#pragma once

#include <functional>
#include <optional>

#include <ringlab/sim/scenario.h>
#include <ringlab/ui/feed_snapshot.h>

QT_BEGIN_NAMESPACE
class QMenu;
class QWidget;
QT_END_NAMESPACE

namespace ringlab {

// Adds the actions on `node` as of `snapshot` to `menu`; choosing one calls `apply` with it. Adds nothing for a node
// the snapshot does not have.
void addNodeActions(QMenu& menu, const FeedSnapshot& snapshot, NodeId node,
                    const std::function<void(const ScenarioAction&)>& apply);

// Asks which side of a partition each member goes to. Nullopt when cancelled, or when every node is on one side
// (after saying that there is nothing to cut).
std::optional<PartitionAction> askPartition(QWidget* parent, const FeedSnapshot& snapshot);

}  // namespace ringlab
