// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * AegisRay: a stealth peer-to-peer mesh VPN. Module entry points.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>

#include "aead_impl.h"
#include "device.h"
#include "netlink.h"
#include "queue.h"
#include "relay.h"
#include "selftest/selftest.h"
#include "version.h"

/* Debug builds check the tricky pure logic before anything is registered. */
static int __init aegis_run_selftests(void)
{
#ifdef AEGIS_SELFTEST
	if (!aegis_prefix_selftest() || !aegis_replay_selftest()) {
		pr_err("aegisray: selftests failed: not loading\n");
		return -ENOTRECOVERABLE;
	}
#endif
	return 0;
}

static int __init aegis_mod_init(void)
{
	int ret;

	ret = aegis_run_selftests();
	if (ret)
		return ret;
	/* Before anything can make a key: which AEAD implementations to use. */
	ret = aegis_impl_init();
	if (ret)
		return ret;
	ret = aegis_queue_module_init();
	if (ret)
		return ret;
	ret = aegis_relay_module_init();
	if (ret)
		goto err_relay;
	ret = aegis_device_init();
	if (ret)
		goto err_device;
	ret = aegis_genl_init();
	if (ret)
		goto err_genl;

	pr_info("aegisray " AEGIS_VERSION " loaded\n");
	return 0;

err_genl:
	aegis_device_uninit();
err_device:
	aegis_relay_module_exit();
err_relay:
	aegis_queue_module_exit();
	return ret;
}

static void __exit aegis_mod_exit(void)
{
	aegis_genl_uninit();
	aegis_device_uninit();
	aegis_relay_module_exit();
	aegis_queue_module_exit();
}

module_init(aegis_mod_init);
module_exit(aegis_mod_exit);
MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("AegisRay stealth mesh VPN data plane");
MODULE_AUTHOR("The AegisRay developers");
MODULE_VERSION(AEGIS_VERSION);
MODULE_ALIAS_RTNL_LINK(AEGIS_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(AEGIS_GENL_NAME);
