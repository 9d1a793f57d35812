/* Prints the offset of every field of struct da_page and struct da_counters (native/common/page.h)
 * as JSON, for page-layout.test.ts to compare with src/wrap/page.ts. */
#include <stddef.h>
#include <stdio.h>

#include "page.h"

#define PAGE(f) printf("\"%s\":%zu,", #f, offsetof(struct da_page, f))
#define COUNT(f) printf("\"count.%s\":%zu,", #f, offsetof(struct da_page, count.f))

int main(void)
{
	printf("{");
	PAGE(magic), PAGE(version), PAGE(token), PAGE(timeout_ms), PAGE(pass_on_timeout);
	PAGE(engine_pid), PAGE(address_set), PAGE(address), PAGE(chain), PAGE(count);
	COUNT(accepted), COUNT(ready), COUNT(passed), COUNT(passed_on), COUNT(dropped);
	COUNT(parked_total), COUNT(parked), COUNT(held), COUNT(park_ms), COUNT(park_ms_max);
	COUNT(engine_starts), COUNT(adopted);
	printf("\"sizeof\":%zu,\"pass_reasons\":%d,\"drop_reasons\":%d,\"hist_buckets\":%d,", sizeof(struct da_page),
	       DA_PASS_REASONS, DA_DROP_REASONS, DA_HIST_BUCKETS);
	printf("\"pass\":{\"verdict\":%d,\"timeout\":%d,\"oversize\":%d,\"no_engine\":%d},", DA_PASS_VERDICT,
	       DA_PASS_TIMEOUT, DA_PASS_OVERSIZE, DA_PASS_NO_ENGINE);
	printf("\"drop\":{\"timeout\":%d,\"eof\":%d,\"reset\":%d,\"filter\":%d,\"park_full\":%d,\"shed\":%d,"
	       "\"no_server\":%d,\"engine\":%d}}\n",
	       DA_DROP_TIMEOUT, DA_DROP_EOF, DA_DROP_RESET, DA_DROP_FILTER, DA_DROP_PARK_FULL, DA_DROP_SHED,
	       DA_DROP_NO_SERVER, DA_DROP_ENGINE);
	return 0;
}
