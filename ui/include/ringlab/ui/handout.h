// A lesson handout for students to take home: a PDF with the lesson's title, what it teaches and its description,
// then each narration point of its timeline with its text, its question (with the choices, never the answers) and
// pictures of the ring, the traffic and the charts at that moment, and the lesson's summary at the end. Teacher's
// notes are left out. The pictures come from a window of the app of its own, kept off screen, run to each point.
//
// Thread-safety: UI thread only (it makes widgets); it runs the lesson's simulation to each point, which takes a few
// seconds.
#pragma once

#include <functional>

#include <QString>

#include <ringlab/sim/scenario.h>

namespace ringlab {

// Writes the handout of `spec` to `pdfPath`. `progress` is called with (points done, points in all). Returns an error
// message naming the file, empty on success. `html`, when given, receives the document's text (for tests).
QString writeLessonHandout(const ScenarioSpec& spec, const QString& pdfPath,
                           const std::function<void(int done, int total)>& progress = {}, QString* html = nullptr);

}  // namespace ringlab
