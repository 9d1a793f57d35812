/* Mapping the counters page (page.h). */
#include <errno.h>
#include <sys/mman.h>

#include "page.h"

struct da_page *da_page_map(int fd)
{
	struct da_page *p = mmap(NULL, DA_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (p->magic != DA_PAGE_MAGIC || p->version != DA_PAGE_VERSION) {
		munmap(p, DA_PAGE_SIZE);
		errno = EPROTO;
		return NULL;
	}
	return p;
}
