/* SPDX-License-Identifier: MIT */
/*
 * s3.h: vumaerp's client of S3-compatible object storage (the config's offsite: section): path-
 * style URLs (<endpoint>/<bucket>/<key>), every request signed by libcurl's own AWS Signature
 * Version 4 (CURLOPT_AWS_SIGV4, "aws:amz:<region>:s3"), with its payload's sha256 in
 * x-amz-content-sha256 (signed) and, for what it uploads, Content-MD5 (AWS, MinIO and Ceph refuse
 * a body that does not match either). A file up to the part size goes up in one PUT, a larger one
 * as a multipart upload (aborted on failure, so no parts are left to pay for); then HEAD checks
 * the stored object: its size, its ETag (the MD5 of the object, or for a multipart upload S3's MD5
 * of the parts' MD5s, "-N": both are accepted) and the sha256 carried in x-amz-meta-sha256. GET
 * downloads to a file, ListObjectsV2 lists, DELETE deletes. A 5xx answer or a broken connection is
 * tried again config->offsite_retries times, 1, 2, 4, ... s apart (at most 30 s).
 *
 * Keys are what s3_key_is_valid() accepts: nothing in them needs URL encoding, so the signature
 * libcurl makes over the path is the one the server computes. Nothing here logs; failures are a
 * negative errno and one line in *ret_error: -EACCES (the server refused the credentials or the
 * signature: 403), -ENOENT (no such object: 404), -ECONNREFUSED (unreachable after the retries),
 * -EIO (a 5xx after the retries, or another answer), -EBADMSG (the stored object is not what was
 * sent), -EPROTO (an answer that cannot be read), -ENOKEY (no usable credentials file).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

#define S3_KEY_MAX 1024
#define S3_MIN_PART_SIZE (5 * 1024 * 1024)
#define S3_MAX_PARTS 10000

typedef struct S3 S3;

/* The offsite client of c (c->offsite_endpoint must be set), its credentials read from
 * c->offsite_credentials_file. */
int s3_new(const Config *c, S3 **ret, char **ret_error);
S3 *s3_free(S3 *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(S3 *, s3_free);

/* An object as HEAD or a listing sees it. */
typedef struct S3Object {
        char *key;
        int64_t size;
        char *etag;              /* without its quotes */
        char *sha256;            /* x-amz-meta-sha256; NULL: not given (a listing never says) */
        char *filestore_sha256;  /* x-amz-meta-filestore-sha256 (offsite.h); NULL: not given */
        char *last_modified;     /* as the server wrote it */
} S3Object;

void s3_object_done(S3Object *o);

typedef struct S3ObjectList {
        S3Object *objects;
        size_t n;
} S3ObjectList;

void s3_object_list_done(S3ObjectList *l);

/* Uploads the file at path as key, with x-amz-meta-sha256: sha256 (its lowercase hex, which the
 * caller knows) and each of meta (NULL-terminated "name: value" header lines, "x-amz-meta-..."),
 * then checks the stored object as above. */
int s3_put_file(S3 *s, const char *key, const char *path, const char *sha256, const char *const *meta,
                char **ret_error);

/* HEAD: ret filled (its key too). */
int s3_head(S3 *s, const char *key, S3Object *ret, char **ret_error);

/* GET into fd (truncated first, and again before each retry), at most max_size bytes. */
int s3_get_file(S3 *s, const char *key, int fd, int64_t max_size, char **ret_error);

/* Every object whose key starts with prefix (ListObjectsV2, page by page). */
int s3_list(S3 *s, const char *prefix, S3ObjectList *ret, char **ret_error);

/* DELETE; an object already gone is success, as S3 answers it. */
int s3_delete(S3 *s, const char *key, char **ret_error);

/* --- the pure parts, for the tests --- */

/* 1..S3_KEY_MAX bytes of A-Z a-z 0-9 . _ - /, no leading '/', no "//", no "." or ".." segment. */
bool s3_key_is_valid(const char *key);

/* The credentials file: lines "aws_access_key_id = …" and "aws_secret_access_key = …" (spaces
 * around '=' optional), blank lines, '#' comments and one "[default]" header allowed; anything
 * else, a key given twice or one missing is -EINVAL with *ret_error saying which line (never its
 * value). The two values are malloc'd; the secret is the caller's to wipe (wipe_free). */
int s3_credentials_parse(const char *text, char **ret_key_id, char **ret_secret, char **ret_error);

/* The text of the first <tag>…</tag> at or after *pos in xml, entities (&amp; &lt; &gt; &quot;
 * &apos;) decoded, *pos moved past it; NULL when there is none (or on OOM, errno ENOMEM). A
 * small reader for S3's few fixed answers, not an XML parser: no attributes on the tags it
 * looks for, no CDATA, no nesting of the same tag. */
char *s3_xml_tag(const char *xml, size_t *pos, const char *tag);

/* The part size for a file of size bytes: part_size, or larger if S3's 10,000 parts would not
 * hold it (a multiple of 1 MiB). */
int64_t s3_part_size_for(int64_t size, int64_t part_size);

/* The ETag S3 gives a multipart upload: the hex MD5 of the parts' binary MD5s, "-", their count. */
int s3_multipart_etag(const unsigned char (*part_md5s)[16], size_t n, char ret[static 48]);

/* key with every character outside RFC 3986's unreserved set percent-encoded (uppercase), for a
 * query value; NULL on OOM. */
char *s3_query_escape(const char *s);
