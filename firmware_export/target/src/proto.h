/* Device side of the serial protocol (host_tools/protocol.py, PROTOCOL.md):
 * opcodes, NAK codes and frame constants. Keep in step with protocol.py;
 * tests/test_target_device.py checks every value against it. */
#ifndef SS_TARGET_PROTO_H
#define SS_TARGET_PROTO_H

#define PROTO_VERSION 1
#define PROTO_REPLY 0x80u /* reply type = request opcode | REPLY */
#define PROTO_HDR_SIZE 5u /* "<BHH": type, seq, payload length */
#define PROTO_CRC_SIZE 4u /* CRC-32 (zlib) over header + payload */
#define PROTO_NO_SLOT 0xffu
#define PROTO_NOTICE 0xffu /* device -> host, seq 0: a frame arrived damaged */

enum proto_op {
    OP_INFO = 0x01,
    OP_GET_ACTIVE = 0x02,
    OP_READ_ACTIVE = 0x03,
    OP_FLASH_BEGIN = 0x10,
    OP_FLASH_DATA = 0x11,
    OP_FLASH_END = 0x12,
    OP_ACTIVATE = 0x13,
    OP_STREAM_BEGIN = 0x20,
    OP_STREAM_DATA = 0x21,
    OP_STREAM_END = 0x22,
    OP_BYPASS = 0x30,
    OP_RESET = 0x31,
};

enum proto_nak {
    NAK_BAD_PAYLOAD = 1,
    NAK_UNKNOWN_OP = 2,
    NAK_INCOMPATIBLE = 3,
    NAK_TOO_LARGE = 4,
    NAK_NO_SESSION = 5,
    NAK_BAD_OFFSET = 6,
    NAK_CHUNK_TOO_BIG = 7,
    NAK_INCOMPLETE = 8,
    NAK_VERIFY_FAILED = 9,
    NAK_FLASH_ERROR = 10,
    NAK_HASH_MISMATCH = 11,
    NAK_NO_PROFILE = 12,
    NAK_STREAM_ORDER = 13,
    NAK_STREAM_STATE = 14,
    NAK_PROCESSOR = 15,
    NAK_BAD_FRAME = 16,
};

#define STREAM_FMT_INT32 1
#define STREAM_MODE_BLOCKS 0
#define STREAM_MODE_HASH 1

/* Payload sizes of the fixed-layout requests and replies. */
#define INFO_REPLY_SIZE 92u       /* "<BBHHIHHIBBII32s16s16s" */
#define INFO_LIMITS_SIZE 16u      /* "<IIHHHH", appended to INFO_REPLY */
#define ACTIVE_REPLY_SIZE 41u     /* "<BII32s" */
#define READ_REQ_SIZE 6u          /* "<IH" */
#define BEGIN_REQ_SIZE 48u        /* "<I32sHHIHH" */
#define BEGIN_REPLY_SIZE 8u       /* "<IHH" */
#define DATA_REQ_SIZE 4u          /* "<I" + chunk */
#define DATA_REPLY_SIZE 8u        /* "<II" + up to SACK_SEQS u16 sequence numbers */
#define ACTIVATE_REQ_SIZE 32u     /* "<32s" */
#define ACTIVATE_REPLY_SIZE 37u   /* "<BI32s" */
#define STREAM_BEGIN_REQ_SIZE 8u  /* "<BBBBI" */
#define STREAM_DATA_REQ_SIZE 4u   /* "<I" + n * 2 int32 */
#define STREAM_DATA_REPLY_SIZE 8u /* "<IHH" + data or sha256 */
#define STREAM_END_REPLY_SIZE 40u /* "<II32s" */
#define BYPASS_REQ_SIZE 1u

#endif
