# Warnings as errors on jwtd's own targets only (third-party headers are included as SYSTEM).
function(jwtd_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wimplicit-fallthrough
                                           # Designated initializers leave members at their
                                           # default member initializers on purpose.
                                           -Wno-missing-field-initializers)
endfunction()
