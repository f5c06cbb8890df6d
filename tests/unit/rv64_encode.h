// Instruction encoders for the interpreter's tests, written from the RISC-V
// unprivileged spec's base formats. Checked against riscv64-unknown-elf-as when the
// tests were written (see test_rv64.c, case encoders_match_assembler).
#pragma once

#include "kernel/lib/types.h"

// Register numbers by ABI name.
enum {
    ZERO = 0, RA = 1, SP = 2, GP = 3, TP = 4, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9,
    A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17,
    S2 = 18, S3 = 19, T3 = 28, T4 = 29, T5 = 30, T6 = 31,
};

static inline u32 enc_r(u32 funct7, u32 rs2, u32 rs1, u32 funct3, u32 rd, u32 opcode) {
    return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;
}
static inline u32 enc_i(i32 imm, u32 rs1, u32 funct3, u32 rd, u32 opcode) {
    return (((u32)imm & 0xfffu) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode;
}
static inline u32 enc_s(i32 imm, u32 rs2, u32 rs1, u32 funct3, u32 opcode) {
    u32 v = (u32)imm & 0xfffu;
    return ((v >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((v & 31u) << 7) |
           opcode;
}
static inline u32 enc_b(i32 offset, u32 rs2, u32 rs1, u32 funct3) {
    u32 v = (u32)offset & 0x1fffu;
    return (((v >> 12) & 1u) << 31) | (((v >> 5) & 63u) << 25) | (rs2 << 20) | (rs1 << 15) |
           (funct3 << 12) | (((v >> 1) & 15u) << 8) | (((v >> 11) & 1u) << 7) | 0x63u;
}
static inline u32 enc_u(u32 imm20, u32 rd, u32 opcode) {
    return ((imm20 & 0xfffffu) << 12) | (rd << 7) | opcode;
}
static inline u32 enc_j(i32 offset, u32 rd) {
    u32 v = (u32)offset & 0x1fffffu;
    return (((v >> 20) & 1u) << 31) | (((v >> 1) & 1023u) << 21) | (((v >> 11) & 1u) << 20) |
           (((v >> 12) & 255u) << 12) | (rd << 7) | 0x6fu;
}

#define OPC_LOAD 0x03u
#define OPC_MISC_MEM 0x0fu
#define OPC_OP_IMM 0x13u
#define OPC_AUIPC 0x17u
#define OPC_OP_IMM_32 0x1bu
#define OPC_STORE 0x23u
#define OPC_AMO 0x2fu
#define OPC_OP 0x33u
#define OPC_LUI 0x37u
#define OPC_OP_32 0x3bu
#define OPC_JALR 0x67u
#define OPC_JAL 0x6fu
#define OPC_SYSTEM 0x73u

// RV64I
static inline u32 LUI(u32 rd, u32 imm20) { return enc_u(imm20, rd, OPC_LUI); }
static inline u32 AUIPC(u32 rd, u32 imm20) { return enc_u(imm20, rd, OPC_AUIPC); }
static inline u32 JAL(u32 rd, i32 offset) { return enc_j(offset, rd); }
static inline u32 JALR(u32 rd, u32 rs1, i32 imm) { return enc_i(imm, rs1, 0, rd, OPC_JALR); }
static inline u32 BEQ(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 0); }
static inline u32 BNE(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 1); }
static inline u32 BLT(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 4); }
static inline u32 BGE(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 5); }
static inline u32 BLTU(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 6); }
static inline u32 BGEU(u32 a, u32 b, i32 off) { return enc_b(off, b, a, 7); }
static inline u32 LOAD(u32 funct3, u32 rd, u32 rs1, i32 imm) {
    return enc_i(imm, rs1, funct3, rd, OPC_LOAD);
}
static inline u32 STORE(u32 funct3, u32 rs2, u32 rs1, i32 imm) {
    return enc_s(imm, rs2, rs1, funct3, OPC_STORE);
}
#define LB(rd, rs1, imm) LOAD(0, rd, rs1, imm)
#define LH(rd, rs1, imm) LOAD(1, rd, rs1, imm)
#define LW(rd, rs1, imm) LOAD(2, rd, rs1, imm)
#define LD(rd, rs1, imm) LOAD(3, rd, rs1, imm)
#define LBU(rd, rs1, imm) LOAD(4, rd, rs1, imm)
#define LHU(rd, rs1, imm) LOAD(5, rd, rs1, imm)
#define LWU(rd, rs1, imm) LOAD(6, rd, rs1, imm)
#define SB(rs2, rs1, imm) STORE(0, rs2, rs1, imm)
#define SH(rs2, rs1, imm) STORE(1, rs2, rs1, imm)
#define SW(rs2, rs1, imm) STORE(2, rs2, rs1, imm)
#define SD(rs2, rs1, imm) STORE(3, rs2, rs1, imm)
static inline u32 OPI(u32 funct3, u32 rd, u32 rs1, i32 imm) {
    return enc_i(imm, rs1, funct3, rd, OPC_OP_IMM);
}
#define ADDI(rd, rs1, imm) OPI(0, rd, rs1, imm)
#define SLTI(rd, rs1, imm) OPI(2, rd, rs1, imm)
#define SLTIU(rd, rs1, imm) OPI(3, rd, rs1, imm)
#define XORI(rd, rs1, imm) OPI(4, rd, rs1, imm)
#define ORI(rd, rs1, imm) OPI(6, rd, rs1, imm)
#define ANDI(rd, rs1, imm) OPI(7, rd, rs1, imm)
#define SLLI(rd, rs1, sh) OPI(1, rd, rs1, (i32)(sh))
#define SRLI(rd, rs1, sh) OPI(5, rd, rs1, (i32)(sh))
#define SRAI(rd, rs1, sh) OPI(5, rd, rs1, (i32)(0x400u | (sh)))
static inline u32 OPIW(u32 funct3, u32 rd, u32 rs1, i32 imm) {
    return enc_i(imm, rs1, funct3, rd, OPC_OP_IMM_32);
}
#define ADDIW(rd, rs1, imm) OPIW(0, rd, rs1, imm)
#define SLLIW(rd, rs1, sh) OPIW(1, rd, rs1, (i32)(sh))
#define SRLIW(rd, rs1, sh) OPIW(5, rd, rs1, (i32)(sh))
#define SRAIW(rd, rs1, sh) OPIW(5, rd, rs1, (i32)(0x400u | (sh)))
static inline u32 OP(u32 funct7, u32 funct3, u32 rd, u32 rs1, u32 rs2) {
    return enc_r(funct7, rs2, rs1, funct3, rd, OPC_OP);
}
static inline u32 OPW(u32 funct7, u32 funct3, u32 rd, u32 rs1, u32 rs2) {
    return enc_r(funct7, rs2, rs1, funct3, rd, OPC_OP_32);
}
#define ADD(rd, a, b) OP(0, 0, rd, a, b)
#define SUB(rd, a, b) OP(0x20, 0, rd, a, b)
#define MUL(rd, a, b) OP(1, 0, rd, a, b)
#define ADDW(rd, a, b) OPW(0, 0, rd, a, b)

// A: funct5, aq/rl = 0
static inline u32 AMO(u32 funct5, u32 funct3, u32 rd, u32 rs1, u32 rs2) {
    return enc_r(funct5 << 2, rs2, rs1, funct3, rd, OPC_AMO);
}
#define AMO_W 2u
#define AMO_D 3u
#define LR(width, rd, rs1) AMO(0x02, width, rd, rs1, 0)
#define SC(width, rd, rs1, rs2) AMO(0x03, width, rd, rs1, rs2)

#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define NOP ADDI(0, 0, 0)
