// ThreadSanitizer suppressions for the tests that use libpulse from several
// threads (one pa_mainloop per source). libpulse recycles packets, tag structs
// and memory blocks through process-wide lock-free free lists (pa_flist) built
// without TSan: memory one source's thread released is reused by another's
// with no synchronisation TSan can see, and the copies into it are reported as
// races. Each name below is a libpulse function that copies into such memory
// and returns before any callback runs, so no earshot code is ever on a
// suppressed stack; earshot's own accesses stay checked.
//
// Only a -DEARSHOT_SANITIZE=thread build reads this (TSan looks the function up).
extern "C" const char* __tsan_default_suppressions() {
  return "race:pa_iochannel_read_with_ancil_data\n"
         "race:pa_srbchannel_read\n"
         "race:pa_packet_new_data\n"
         "race:pa_tagstruct_puts\n"
         "race:pa_mutex_lock\n";
}
