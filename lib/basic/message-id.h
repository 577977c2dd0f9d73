/* SPDX-License-Identifier: MIT */
/*
 * message-id.h: the journald MESSAGE_ID of each kind of event, so admins can filter with
 * `journalctl MESSAGE_ID=…`. Fixed forever once released; a catalog entry explains each.
 */
#pragma once

#define MESSAGE_ID_REQUEST      "b95f81878da949be99c4c49588ca73b2"  /* vumaerp-api answered a request */
#define MESSAGE_ID_AUTH_REFUSED "1fd2facc105b44f9b1d5c12333ab36cb"  /* a request was refused: token or client address */
#define MESSAGE_ID_ACTION       "2ca8bfcf79ef4ed5bee951b4c67b80dd"  /* an action ran to completion */
#define MESSAGE_ID_ACTION_FAILED "04f33853db9a4b7e8d50655ffacf3b78" /* an action failed */
#define MESSAGE_ID_SCHEMA       "093234a5cfea41b7868f519e84122c41"  /* the control database schema was created or migrated */
#define MESSAGE_ID_PROVISIONED  "20c2b33ad3cc4bf6982e73d8ac9b4bd6"  /* a tenant was provisioned */
#define MESSAGE_ID_SUSPENDED    "a26e5dbadf7d4c2fbd7d7252c3c0a89d"  /* a tenant was suspended */
#define MESSAGE_ID_UNSUSPENDED  "6b4cb087193d433c999f433641e6f5d1"  /* a tenant was unsuspended */
#define MESSAGE_ID_TERMINATED   "cb9811a3e4ae434094ef9da3a5efe1fb"  /* a tenant was terminated */
#define MESSAGE_ID_BACKUP_MADE  "3bed0c1f2518406fa5aa4e124d3f9560"  /* a verified backup was made */
#define MESSAGE_ID_BACKUP_FAILED "7521183fc2394181977ef02105bb8a49" /* a backup failed (and whatever needed it was not done) */
#define MESSAGE_ID_OFFSITE_FAILED "57c163bff83941669558c4665ad155e8" /* a backup was made, but its offsite copy failed */
#define MESSAGE_ID_DRIFT        "13601256343646da8e12539cef64b4fe"  /* a tenant's database had been changed and was put back */
#define MESSAGE_ID_DRILL_PASSED "8a4bc5eab7844fe1b57239deb7414309"  /* a restore drill restored a tenant's backup and every check passed */
#define MESSAGE_ID_DRILL_FAILED "f88f3ea488ee4421adc369cfb5103ede"  /* a restore drill failed: the backup did not restore, or a check failed */
