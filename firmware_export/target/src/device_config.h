/* What the protocol device is and how big its buffers are. The device
 * figures (target, rate, driver count) are fixed at build time, as on a
 * product: -DSS_DEV_TARGET_ID=.. -DSS_DEV_SAMPLE_RATE=.. -DSS_DEV_N_DRIVERS=.. */
#ifndef SS_TARGET_DEVICE_CONFIG_H
#define SS_TARGET_DEVICE_CONFIG_H

#include "proto.h"

#ifndef SS_DEV_TARGET_ID
#define SS_DEV_TARGET_ID 1
#endif
#ifndef SS_DEV_SAMPLE_RATE
#define SS_DEV_SAMPLE_RATE 48000
#endif
#ifndef SS_DEV_N_DRIVERS
#define SS_DEV_N_DRIVERS 5
#endif
#define FORMAT_VERSION 1u
#define MAX_CHUNK 4096u
#define WINDOW 8u
#define MAX_STREAM_SAMPLES 1024u
#ifndef SACK_SEQS /* build_device passes host_tools.protocol.SACK_SEQS */
#define SACK_SEQS 8u
#endif
#define FW_VERSION "0.1.0"
#define MODEL "soundstage-m4"

#define MAX_FLASH_REQUEST (DATA_REQ_SIZE + MAX_CHUNK)
#define MAX_STREAM_REQUEST (STREAM_DATA_REQ_SIZE + 8u * MAX_STREAM_SAMPLES)
#define MAX_REQUEST \
    (MAX_FLASH_REQUEST > MAX_STREAM_REQUEST ? MAX_FLASH_REQUEST : MAX_STREAM_REQUEST)
#define MAX_REPLY (1u + STREAM_DATA_REPLY_SIZE + 4u * SS_DEV_N_DRIVERS * MAX_STREAM_SAMPLES)
#define MAX_BODY (PROTO_HDR_SIZE + MAX_REQUEST + PROTO_CRC_SIZE)
#define MAX_ENCODED (MAX_BODY + MAX_BODY / 254u + 2u)
#define CACHE_ENTRIES 512u /* PROTOCOL.md: the replies to the last 512 requests */
#define CACHE_DATA 224u
#define BIG_ENTRIES 8u /* cached large replies: 2x the streamer's window of 4 */
#define MAX_RANGES 64u
#define NAK_DETAIL 200u

#endif
