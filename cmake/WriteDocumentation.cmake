# Runs PROGRAM --man-page (KIND man) or PROGRAM --completion KIND (bash, zsh) and writes what it prints to OUTPUT: the man pages and shell completions are made by the
# programs themselves (--man-page, --completion SHELL) from the options their --help shows, so they cannot drift.
#   cmake -DPROGRAM=... -DKIND=man|bash|zsh -DOUTPUT=... -P WriteDocumentation.cmake
# Without a display, so the desktop app answers before starting Qt.
unset(ENV{DISPLAY})
unset(ENV{WAYLAND_DISPLAY})
unset(ENV{QT_QPA_PLATFORM})
if(KIND STREQUAL "man")
  set(ARGS --man-page)
else()
  set(ARGS --completion ${KIND})
endif()
get_filename_component(directory "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${directory}")
execute_process(COMMAND "${PROGRAM}" ${ARGS} OUTPUT_FILE "${OUTPUT}.new" ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.new")
  message(FATAL_ERROR "${PROGRAM} ${ARGS} failed (${status}): ${errors}")
endif()
file(RENAME "${OUTPUT}.new" "${OUTPUT}")
