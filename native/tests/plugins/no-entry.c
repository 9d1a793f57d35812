/* A shared object that is no filter: it lacks da_filter_entry. */
int da_not_a_filter(void);

int da_not_a_filter(void)
{
	return 0;
}
