// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Device-wide crypt rings and their per-CPU workers (see queue.h).
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "crypto.h"
#include "queue.h"

struct workqueue_struct *aegis_crypt_wq __read_mostly;

int __init aegis_queue_module_init(void)
{
	/*
	 * Bound (per-CPU) and CPU-intensive: a worker may crunch a long
	 * backlog, and must not hold up the other work items of its CPU.
	 * MEM_RECLAIM: packets may be what frees memory (swap over the mesh).
	 */
	aegis_crypt_wq = alloc_workqueue("aegisray-crypt",
					 WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	return aegis_crypt_wq ? 0 : -ENOMEM;
}

void aegis_queue_module_exit(void)
{
	destroy_workqueue(aegis_crypt_wq);
}

int aegis_crypt_queue_init(struct aegis_crypt_queue *q,
			   struct aegis_device *aegis, work_func_t fn)
{
	struct aegis_worker *w;
	int cpu, ret;

	ret = ptr_ring_init(&q->ring, AEGIS_DEV_RING_SIZE, GFP_KERNEL);
	if (ret)
		return ret;
	q->workers = alloc_percpu(struct aegis_worker);
	if (!q->workers) {
		ret = -ENOMEM;
		goto err_ring;
	}
	for_each_possible_cpu(cpu) {
		w = per_cpu_ptr(q->workers, cpu);
		INIT_WORK(&w->work, fn);
		w->aegis = aegis;
		w->scratch = aegis_crypt_scratch_alloc(false);
		if (!w->scratch) {
			ret = -ENOMEM;
			goto err_scratch;
		}
	}
	q->last_cpu = -1;
	return 0;

err_scratch:
	for_each_possible_cpu(cpu)
		aegis_crypt_scratch_free(per_cpu_ptr(q->workers, cpu)->scratch);
	free_percpu(q->workers);
err_ring:
	ptr_ring_cleanup(&q->ring, NULL);
	return ret;
}

void aegis_crypt_queue_free(struct aegis_crypt_queue *q)
{
	struct aegis_worker *w;
	int cpu;

	for_each_possible_cpu(cpu) {
		w = per_cpu_ptr(q->workers, cpu);
		flush_work(&w->work);
		aegis_crypt_scratch_free(w->scratch);
	}
	free_percpu(q->workers);
	/* Every unit holds a node, and every node the device: none is left. */
	WARN_ON(!__ptr_ring_empty(&q->ring));
	ptr_ring_cleanup(&q->ring, NULL);
}

static int aegis_next_online_cpu(int *last)
{
	int cpu = cpumask_next(READ_ONCE(*last), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(*last, cpu);
	return cpu;
}

bool aegis_crypt_queue_push(struct aegis_crypt_queue *q, void *unit)
{
	int cpu;

	if (unlikely(ptr_ring_produce_bh(&q->ring, unit)))
		return false;
	/* Wake the next CPU's worker; it takes whatever is on the ring. */
	cpu = aegis_next_online_cpu(&q->last_cpu);
	queue_work_on(cpu, aegis_crypt_wq, &per_cpu_ptr(q->workers, cpu)->work);
	return true;
}
