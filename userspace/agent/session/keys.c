// SPDX-License-Identifier: MIT
/* The kernel's key slots (keys.h). */
#include <errno.h>
#include <string.h>

#include "session/keys.h"

int keys_install(struct kernel *k, const uint8_t *id, const struct hs_keys *hk,
		 uint8_t slot, uint32_t hard_lifetime)
{
	struct aegis_nl_key key;
	int ret;

	memset(&key, 0, sizeof(key));
	memcpy(key.node_id, id, AEGIS_NODE_ID_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_NODE_ID);
	key.slot = slot;
	AEGIS_SET(&key, AEGIS_KEY_A_SLOT);
	key.key_id = hk->key_id;
	AEGIS_SET(&key, AEGIS_KEY_A_KEY_ID);
	key.cipher = hk->cipher;
	AEGIS_SET(&key, AEGIS_KEY_A_CIPHER);
	key.rx_index = hk->rx_index;
	AEGIS_SET(&key, AEGIS_KEY_A_RX_INDEX);
	key.tx_index = hk->tx_index;
	AEGIS_SET(&key, AEGIS_KEY_A_TX_INDEX);
	memcpy(key.enc.key, hk->enc_key, AEGIS_KEY_LEN);
	memcpy(key.enc.salt, hk->enc_salt, AEGIS_NONCE_SALT_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_ENCRYPT);
	memcpy(key.dec.key, hk->dec_key, AEGIS_KEY_LEN);
	memcpy(key.dec.salt, hk->dec_salt, AEGIS_NONCE_SALT_LEN);
	AEGIS_SET(&key, AEGIS_KEY_A_DECRYPT);
	key.hard_lifetime = hard_lifetime;
	AEGIS_SET(&key, AEGIS_KEY_A_HARD_LIFETIME);

	ret = kernel_key_new(k, &key);
	aegis_key_wipe(&key);
	return ret;
}

int keys_swap(struct kernel *k, const uint8_t *id)
{
	return kernel_key_swap(k, id);
}

int keys_del(struct kernel *k, const uint8_t *id, uint8_t slot)
{
	int ret = kernel_key_del(k, id, slot);

	return ret == -ENOENT ? 0 : ret;
}

bool keys_confirmed(struct kernel *k, const uint8_t *id, uint8_t slot,
		    uint64_t rx_index)
{
	struct aegis_nl_key key;

	if (kernel_key_get(k, id, slot, &key))
		return false;
	return key.rx_index == rx_index && AEGIS_HAS(&key, AEGIS_KEY_A_CONFIRMED);
}
