<?php
/* SPDX-License-Identifier: MIT */
/* swahili.php: what the VumaERP module says to a client, in Swahili (see english.php). */

if (!defined("WHMCS")) {
    die("This file cannot be accessed directly");
}

$_LANG['your_erp'] = 'ERP yako';
$_LANG['log_in'] = 'Ingia kwenye VumaERP';
$_LANG['login_page'] = 'Fungua ukurasa wa kuingia';
$_LANG['login'] = 'Jina la kuingia';
$_LANG['state'] = 'Hali';
$_LANG['state_active'] = 'Inatumika';
$_LANG['state_suspended'] = 'Imesimamishwa';
$_LANG['state_provisioning'] = 'Inaandaliwa';
$_LANG['state_terminating'] = 'Inaondolewa';
$_LANG['country'] = 'Nchi';
$_LANG['company'] = 'Kampuni';
$_LANG['users'] = 'Watumiaji';
$_LANG['storage'] = 'Hifadhi';
$_LANG['storage_of_limit'] = '%s kati ya %s';
$_LANG['unknown'] = '—';
$_LANG['suspended_notice'] = 'ERP hii imesimamishwa: hakuna anayeweza kuingia hadi itakapoamilishwa tena. Tafadhali lipa ankara yoyote inayodaiwa au wasiliana na huduma kwa wateja.';
$_LANG['suspended_reason'] = 'Sababu: %s';
$_LANG['status_unavailable'] = 'Hali ya ERP haipatikani kwa sasa.';
$_LANG['password_failed'] = 'Nenosiri halikuweza kubadilishwa kwenye VumaERP kwa sasa. Tafadhali jaribu tena baadaye, au wasiliana na huduma kwa wateja tatizo likiendelea.';
$_LANG['password_refused'] = 'VumaERP haikukubali nenosiri hili. Tafadhali chagua jingine.';
$_LANG['plan'] = 'Mpango';
$_LANG['users_of_max'] = '%s kati ya %s';
$_LANG['plan_failed'] = 'Mpango haukuweza kubadilishwa katika VumaERP kwa sasa. Tafadhali jaribu tena baadaye, au wasiliana na huduma kwa wateja ikiwa tatizo litaendelea.';
$_LANG['plan_over_cap'] = 'ERP hii ina watumiaji wengi kuliko mpango mpya unavyoruhusu. Kwanza hifadhi kwenye kumbukumbu (archive) baadhi ya watumiaji katika VumaERP, au chagua mpango wenye watumiaji zaidi.';
