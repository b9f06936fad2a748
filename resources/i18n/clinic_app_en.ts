<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="th_TH">
<context>
    <name>AddressPicker</name>
    <message>
        <source>บ้านเลขที่</source>
        <translation>House number</translation>
    </message>
    <message>
        <source>หมู่ที่</source>
        <translation>Village number (Moo)</translation>
    </message>
    <message>
        <source>รหัสไปรษณีย์</source>
        <translation>Postal code</translation>
    </message>
    <message>
        <source>จังหวัด</source>
        <translation>Province</translation>
    </message>
    <message>
        <source>อำเภอ/เขต</source>
        <translation>District</translation>
    </message>
    <message>
        <source>ตำบล/แขวง</source>
        <translation>Subdistrict</translation>
    </message>
    <message>
        <source>หมู่</source>
        <translation>Moo</translation>
    </message>
</context>
<context>
    <name>ChartPage</name>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>กราฟความดันโลหิตและน้ำหนัก</source>
        <translation>Blood pressure and weight chart</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>วัคซีนที่ได้รับ</source>
        <translation>Vaccines given</translation>
    </message>
    <message>
        <source>บันทึกการตรวจ (Ctrl+N)</source>
        <translation>Record a visit (Ctrl+N)</translation>
    </message>
    <message>
        <source>ประวัติการรับบริการ (ดับเบิลคลิกหรือ Enter เพื่อดูรายละเอียด)</source>
        <translation>Visits (double-click or Enter for details)</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยอื่น…</source>
        <translation>Records from other facilities…</translation>
    </message>
    <message>
        <source>ประวัติการรับบริการ (รวมหน่วยบริการอื่นที่ได้รับความยินยอม) ดับเบิลคลิกหรือกด Enter เพื่อดูรายละเอียด</source>
        <translation>Visits (including other facilities under consent); double-click or press Enter for details</translation>
    </message>
    <message>
        <source>หน่วยนี้</source>
        <translation>This unit</translation>
    </message>
    <message>
        <source>{facility} (ตามความยินยอม)</source>
        <translation>{facility} (with consent)</translation>
    </message>
    <message>
        <source>{facility} (ฉุกเฉิน)</source>
        <translation>{facility} (emergency)</translation>
    </message>
    <message>
        <source>{years} ปี</source>
        <translation>{years} years</translation>
    </message>
    <message>
        <source>ประมาณ {age}</source>
        <translation>about {age}</translation>
    </message>
    <message>
        <source>{name}   อายุ {age}   เลขประจำตัวประชาชน {cid}</source>
        <translation>{name}   Age {age}   Citizen ID {cid}</translation>
    </message>
    <message>
        <source>แพ้ยา/สาร: {allergies}</source>
        <translation>Allergies: {allergies}</translation>
    </message>
    <message>
        <source>ไม่มีประวัติแพ้</source>
        <translation>No known allergies</translation>
    </message>
    <message>
        <source>ครบกำหนดวัคซีน (EPI): {doses}</source>
        <translation>Vaccines due (EPI): {doses}</translation>
    </message>
    <message>
        <source>ไม่มีวัคซีนค้าง (EPI)</source>
        <translation>No vaccines due (EPI)</translation>
    </message>
    <message>
        <source>ประวัติจาก {facility} ถูกกันไว้ ไม่ใช่ผู้ป่วยคนนี้ (โดย {who})</source>
        <translation>Records from {facility} are set aside: not this patient (by {who})</translation>
    </message>
    <message>
        <source>ข้อมูลผู้ป่วยที่ {facility} ไม่ตรงกับของหน่วยนี้ (เลขประจำตัวประชาชนเดียวกัน) ประวัติจากที่นั่นยังไม่แสดง:</source>
        <translation>{facility}&apos;s record of this citizen ID does not match this unit&apos;s; its records are not shown yet:</translation>
    </message>
    <message>
        <source>• {what}: หน่วยนี้ {ours} / {facility} {theirs}</source>
        <translation>• {what}: this unit {ours} / {facility} {theirs}</translation>
    </message>
    <message>
        <source>เป็นคนเดียวกัน แสดงประวัติ</source>
        <translation>Same person: show the records</translation>
    </message>
    <message>
        <source>เป็นคนเดียวกัน แสดงประวัติอีกครั้ง</source>
        <translation>Same person after all: show the records</translation>
    </message>
    <message>
        <source>ไม่ใช่คนเดียวกัน กันประวัตินี้ไว้</source>
        <translation>Not the same person: set these records aside</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <source>เลขประจำตัวประชาชน 13 หลัก</source>
        <translation>13-digit citizen ID</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชนของผู้ป่วย</source>
        <translation>Patient&apos;s citizen ID</translation>
    </message>
    <message>
        <source>ขอความยินยอมกี่วัน</source>
        <translation>Consent for how many days</translation>
    </message>
    <message>
        <source>ขอความยินยอมและประวัติ</source>
        <translation>Ask for consent</translation>
    </message>
    <message>
        <source>ดูประวัติจากหน่วยอื่น</source>
        <translation>Show records</translation>
    </message>
    <message>
        <source>เข้าถึงฉุกเฉิน</source>
        <translation>Emergency access</translation>
    </message>
    <message>
        <source>ผู้ป่วย</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>วัน</source>
        <translation>Days</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>ขอเมื่อ</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>คำขอความยินยอม (ดับเบิลคลิกหรือ Enter เพื่อดูประวัติจากหน่วยอื่น)</source>
        <translation>Consent requests (double-click or Enter for the records from other facilities)</translation>
    </message>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>คำขอความยินยอม</source>
        <translation>Consent requests</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>ประเภท</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>รายละเอียด</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>ได้มาโดย</source>
        <translation>Obtained by</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยบริการอื่น</source>
        <translation>Records from other facilities</translation>
    </message>
    <message>
        <source>ประวัติจากหน่วยบริการอื่น (อ่านอย่างเดียว)</source>
        <translation>Records from other facilities (read only)</translation>
    </message>
    <message>
        <source>(ไม่ได้ลงทะเบียนที่หน่วยนี้)</source>
        <translation>(not registered at this unit)</translation>
    </message>
    <message>
        <source>บันทึกคำขอแล้ว จะส่งเมื่อซิงก์</source>
        <translation>Saved; it goes out at the next sync</translation>
    </message>
    <message>
        <source>ขอความยินยอมได้ด้วยปุ่ม “ขอความยินยอมและประวัติ” เมื่อผู้ป่วยกดยินยอมในแอปแล้ว ประวัติจะมาหลังการซิงก์ครั้งถัดไป</source>
        <translation>Ask for it with the “Ask for consent” button; once the patient allows it in the app, the records come with the next sync.</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>ฉุกเฉิน</source>
        <translation>Emergency</translation>
    </message>
</context>
<context>
    <name>DuplicatesDialog</name>
    <message>
        <source>ผู้ป่วยซ้ำ (เลขประจำตัวประชาชนเดียวกัน)</source>
        <translation>Duplicate patients (same citizen ID)</translation>
    </message>
    <message>
        <source>แฟ้มที่มีเลขประจำตัวประชาชนเดียวกันคือผู้ป่วยคนเดียวกัน เลือกแฟ้มที่จะเก็บไว้ แล้วกด &quot;รวมแฟ้ม&quot; ประวัติการรับบริการทั้งหมดของแฟ้มอื่นในกลุ่มจะย้ายมาอยู่ในแฟ้มที่เก็บ (บันทึกในประวัติการใช้งาน และส่งไปยังระบบกลางเมื่อซิงก์)</source>
        <translation>Records with the same citizen ID are one patient. Select the record to keep and press &quot;Merge&quot;: every visit of the group&apos;s other records moves to the kept one (recorded in the audit trail, and sent to the hub at the next sync).</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>มารับบริการ (ครั้ง)</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>ข้อมูลอื่น</source>
        <translation>Other records</translation>
    </message>
    <message>
        <source>บันทึกล่าสุด</source>
        <translation>Last updated</translation>
    </message>
    <message>
        <source>ผู้ป่วยซ้ำ เลือกแฟ้มที่จะเก็บไว้</source>
        <translation>Duplicate patients: select the record to keep</translation>
    </message>
    <message>
        <source>รวมแฟ้ม: เก็บแฟ้มที่เลือก</source>
        <translation>Merge: keep the selected record</translation>
    </message>
    <message>
        <source>พบ {count} กลุ่ม</source>
        <translation>{count} group(s) found.</translation>
    </message>
    <message>
        <source>ไม่พบผู้ป่วยซ้ำ</source>
        <translation>No duplicate patients.</translation>
    </message>
    <message>
        <source>เก็บแฟ้ม HN {keep} ({name}) และรวมแฟ้ม HN {drops} เข้าไป?

ประวัติการรับบริการทั้งหมดจะย้ายมาอยู่ในแฟ้มที่เก็บ แฟ้มที่รวมเข้าไปจะเลิกใช้ การรวมแฟ้มจะบันทึกในประวัติการใช้งาน</source>
        <translation>Keep HN {keep} ({name}) and merge HN {drops} into it?

Every visit moves to the kept record; the merged record is no longer used. The merge is recorded in the audit trail.</translation>
    </message>
    <message>
        <source>รวมแฟ้มแล้ว จะส่งไปยังระบบกลางเมื่อซิงก์</source>
        <translation>Merged; the change goes to the hub at the next sync.</translation>
    </message>
</context>
<context>
    <name>Elements</name>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>เลขประจำตัว</source>
        <translation>Identifiers</translation>
    </message>
    <message>
        <source>ข้อมูลเพิ่มเติม (สิทธิ ฯลฯ)</source>
        <translation>Extra data (insurance right etc.)</translation>
    </message>
    <message>
        <source>ใช้งานอยู่</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>เสียชีวิต</source>
        <translation>Deceased</translation>
    </message>
    <message>
        <source>วันที่เสียชีวิต</source>
        <translation>Date of death</translation>
    </message>
    <message>
        <source>สถานภาพสมรส</source>
        <translation>Marital status</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>ช่วงเวลา</source>
        <translation>Period</translation>
    </message>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>รหัส/ชื่อ</source>
        <translation>Code/name</translation>
    </message>
    <message>
        <source>ค่าที่วัดได้</source>
        <translation>Measured value</translation>
    </message>
    <message>
        <source>บันทึก</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>สถานะทางคลินิก</source>
        <translation>Clinical status</translation>
    </message>
    <message>
        <source>การยืนยัน</source>
        <translation>Verification</translation>
    </message>
    <message>
        <source>ความรุนแรง</source>
        <translation>Criticality</translation>
    </message>
    <message>
        <source>จำนวน</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>ยา</source>
        <translation>Drug</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>วันที่ให้</source>
        <translation>Date given</translation>
    </message>
    <message>
        <source>วันที่ตรวจ</source>
        <translation>Date measured</translation>
    </message>
    <message>
        <source>วันที่จ่าย</source>
        <translation>Date dispensed</translation>
    </message>
</context>
<context>
    <name>EmergencyDialog</name>
    <message>
        <source>เข้าถึงข้อมูลฉุกเฉิน</source>
        <translation>Emergency access</translation>
    </message>
    <message>
        <source>ใช้เมื่อผู้ป่วยไม่รู้สึกตัวและต้องทราบประวัติทันทีเท่านั้น การเข้าถึงจะถูกบันทึกและตรวจสอบ</source>
        <translation>Only for an unconscious patient whose history is needed now. It is recorded and reviewed.</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>เหตุผล (อย่างน้อย {count} ตัวอักษร)</source>
        <translation>Reason (at least {count} characters)</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>ข้าพเจ้ายืนยันว่าเป็นกรณีฉุกเฉิน</source>
        <translation>I confirm this is an emergency</translation>
    </message>
</context>
<context>
    <name>FindPage</name>
    <message>
        <source>{years} ปี</source>
        <translation>{years} y</translation>
    </message>
    <message>
        <source>ค้นหา: เลขประจำตัวประชาชน, HN, ชื่อ-สกุล (ไทย/อังกฤษ), เบอร์โทร</source>
        <translation>Search: citizen ID, HN, name (Thai or English), phone</translation>
    </message>
    <message>
        <source>ค้นหาผู้ป่วย</source>
        <translation>Find a patient</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>อายุ</source>
        <translation>Age</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>ผลการค้นหา</source>
        <translation>Search results</translation>
    </message>
</context>
<context>
    <name>Gui</name>
    <message>
        <source>เปิดข้อมูลโหมดฝึกอบรมไม่ได้ เพราะกุญแจของข้อมูลหายไป (เช่น ล้างรหัสผ่านที่เครื่องจำไว้) ข้อมูลฝึกอบรมเป็นข้อมูลตัวอย่าง เริ่มโหมดฝึกอบรมใหม่หรือไม่? โฟลเดอร์เดิมจะถูกย้ายไปเก็บไว้ข้าง ๆ ไม่ถูกลบ</source>
        <translation>The training data cannot be opened because its key is gone (for example, the passwords this computer remembered were cleared). Training data is demo data. Start training mode over? The old folder is moved aside, not deleted.</translation>
    </message>
</context>
<context>
    <name>Identity</name>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Birth date</translation>
    </message>
</context>
<context>
    <name>Kinds</name>
    <message>
        <source>ข้อมูลผู้ป่วย</source>
        <translation>Patient details</translation>
    </message>
    <message>
        <source>การรับบริการ</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ผลตรวจ/สัญญาณชีพ</source>
        <translation>Result/vital sign</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Drug dispensed</translation>
    </message>
    <message>
        <source>สั่งยา</source>
        <translation>Prescription</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>การแพ้</source>
        <translation>Allergy</translation>
    </message>
    <message>
        <source>หัตถการ</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <source>การส่งต่อ/คำขอ</source>
        <translation>Referral/request</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>บันทึกการใช้งาน</source>
        <translation>Audit event</translation>
    </message>
    <message>
        <source>ที่มาของข้อมูล</source>
        <translation>Provenance</translation>
    </message>
    <message>
        <source>งานส่งต่อ</source>
        <translation>Referral task</translation>
    </message>
    <message>
        <source>สิทธิการรักษา</source>
        <translation>Insurance right</translation>
    </message>
    <message>
        <source>ผู้ให้บริการ</source>
        <translation>Care provider</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>โหมดฝึกอบรม — ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลผู้ป่วยจริง</source>
        <translation>Training mode — demo data, not real patients</translation>
    </message>
    <message>
        <source>หน้าจองาน</source>
        <translation>Work screens</translation>
    </message>
    <message>
        <source>ค้นหาผู้ป่วย</source>
        <translation>Find a patient</translation>
    </message>
    <message>
        <source>ลงทะเบียน</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>ความยินยอม</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>ซิงก์</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>กำลังตรวจสอบการเชื่อมต่อ…</source>
        <translation>Checking the connection…</translation>
    </message>
    <message>
        <source>ซิงก์เดี๋ยวนี้ (F5)</source>
        <translation>Sync now (F5)</translation>
    </message>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>ล็อก / สลับผู้ใช้</source>
        <translation>Lock / switch user</translation>
    </message>
    <message>
        <source>ไฟล์</source>
        <translation>File</translation>
    </message>
    <message>
        <source>ตั้งค่าหน่วยบริการจริง…</source>
        <translation>Set up a real unit…</translation>
    </message>
    <message>
        <source>ส่งออก 43 แฟ้ม…</source>
        <translation>Export 43 files…</translation>
    </message>
    <message>
        <source>นำเข้า 43 แฟ้ม…</source>
        <translation>Import 43 files…</translation>
    </message>
    <message>
        <source>ผู้ป่วยซ้ำและการรวมแฟ้ม…</source>
        <translation>Duplicate patients and merging…</translation>
    </message>
    <message>
        <source>ตั้งค่าหน่วยบริการ…</source>
        <translation>Unit settings…</translation>
    </message>
    <message>
        <source>เลือกโฟลเดอร์ที่จะเก็บ 43 แฟ้ม</source>
        <translation>Choose the folder for the 43 files</translation>
    </message>
    <message>
        <source>เลือกไฟล์ 43 แฟ้ม (zip)</source>
        <translation>Choose the 43-file archive (zip)</translation>
    </message>
    <message>
        <source>43 แฟ้ม (*.zip)</source>
        <translation>43 files (*.zip)</translation>
    </message>
    <message>
        <source>มีหมายเหตุ {count} ข้อ (ดูรายละเอียด)</source>
        <translation>{count} note(s): see the details</translation>
    </message>
    <message>
        <source>กำลังเขียน 43 แฟ้ม…</source>
        <translation>Writing the 43 files…</translation>
    </message>
    <message>
        <source>เขียน 43 แฟ้มแล้ว:
{path}
{rows}</source>
        <translation>43 files written:
{path}
{rows}</translation>
    </message>
    <message>
        <source>กำลังตรวจและนำเข้า 43 แฟ้ม…</source>
        <translation>Checking and importing the 43 files…</translation>
    </message>
    <message>
        <source>นำเข้า 43 แฟ้มแล้ว {count} รายการ
{kinds}</source>
        <translation>43 files imported: {count} records
{kinds}</translation>
    </message>
    <message>
        <source>แฟ้มผู้ป่วย</source>
        <translation>Patient chart</translation>
    </message>
    <message>
        <source>ออนไลน์</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>ออฟไลน์</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>{phase} {done}/{total} รายการ</source>
        <translation>{phase} {done}/{total} records</translation>
    </message>
    <message>
        <source>{phase} {done} รายการ</source>
        <translation>{phase} {done} records</translation>
    </message>
    <message>
        <source>กำลังเชื่อมต่อ</source>
        <translation>Connecting</translation>
    </message>
    <message>
        <source>ส่งข้อมูล</source>
        <translation>Sending</translation>
    </message>
    <message>
        <source>รับข้อมูล</source>
        <translation>Receiving</translation>
    </message>
    <message>
        <source>ตรวจนับ</source>
        <translation>Checking counts</translation>
    </message>
    <message>
        <source>ยังไม่เคย</source>
        <translation>never</translation>
    </message>
    <message>
        <source>ผู้ป่วย {count} ราย</source>
        <translation>Patients {count}</translation>
    </message>
    <message>
        <source>รอส่ง {count} รายการ</source>
        <translation>Waiting to send {count}</translation>
    </message>
    <message>
        <source>ซิงก์ล่าสุด: {when}</source>
        <translation>Last sync: {when}</translation>
    </message>
    <message>
        <source>ขัดแย้ง {count} รายการ</source>
        <translation>Conflicts {count}</translation>
    </message>
    <message>
        <source>ไม่ผ่าน {count} รายการ</source>
        <translation>Refused {count}</translation>
    </message>
    <message>
        <source>ปัญหาล่าสุด: {problem}</source>
        <translation>Last problem: {problem}</translation>
    </message>
    <message>
        <source>เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ รายละเอียดอยู่ในไฟล์บันทึกในโฟลเดอร์ logs ของโฟลเดอร์ข้อมูล</source>
        <translation>Internal error; saved data is intact. Details are in the log file in the data folder&apos;s logs folder.</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>เครื่องนี้ไม่มีที่เก็บกุญแจ โปรดใส่รหัสผ่าน (อย่างน้อย 12 ตัวอักษร)</source>
        <translation>No keyring on this computer: enter the passphrase (12 characters or more)</translation>
    </message>
    <message>
        <source>พิมพ์รหัสผ่านเดิมอีกครั้งเพื่อยืนยัน</source>
        <translation>Type the same passphrase again to confirm it</translation>
    </message>
    <message>
        <source>รหัสผ่านสองครั้งไม่ตรงกัน โปรดพิมพ์ใหม่</source>
        <translation>The two passphrases differ: type it again</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID number</translation>
    </message>
    <message>
        <source>ชื่อ-สกุล</source>
        <translation>Name and surname</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>อาจซ้ำ</source>
        <translation>Possible duplicate</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>ความดันโลหิต</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>ความดันตัวบน</source>
        <translation>Systolic (upper) pressure</translation>
    </message>
    <message>
        <source>ความดันตัวล่าง</source>
        <translation>Diastolic (lower) pressure</translation>
    </message>
    <message>
        <source>…และอีก {count} จุด</source>
        <translation>…and {count} more</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>ยกเลิก</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>RegisterPage</name>
    <message>
        <source>ประเทศที่ออก (ไม่ทราบ)</source>
        <translation>Issuing country (not known)</translation>
    </message>
    <message>
        <source>เมียนมา</source>
        <translation>Myanmar</translation>
    </message>
    <message>
        <source>ลาว</source>
        <translation>Laos</translation>
    </message>
    <message>
        <source>กัมพูชา</source>
        <translation>Cambodia</translation>
    </message>
    <message>
        <source>เวียดนาม</source>
        <translation>Vietnam</translation>
    </message>
    <message>
        <source>จีน</source>
        <translation>China</translation>
    </message>
    <message>
        <source>มาเลเซีย</source>
        <translation>Malaysia</translation>
    </message>
    <message>
        <source>ไทย</source>
        <translation>Thailand</translation>
    </message>
    <message>
        <source>เลข 13 หลัก (เว้นว่างได้ถ้าไม่มี)</source>
        <translation>13 digits (leave empty if none)</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชน</source>
        <translation>Citizen ID</translation>
    </message>
    <message>
        <source>เลขหนังสือเดินทาง</source>
        <translation>Passport number</translation>
    </message>
    <message>
        <source>ประเทศที่ออกหนังสือเดินทาง</source>
        <translation>Passport&apos;s issuing country</translation>
    </message>
    <message>
        <source>หนังสือเดินทาง (ถ้าไม่มีเลข 13 หลัก)</source>
        <translation>Passport (if no 13-digit ID)</translation>
    </message>
    <message>
        <source>คำนำหน้า</source>
        <translation>Prefix</translation>
    </message>
    <message>
        <source>ชื่อ (ไทย)</source>
        <translation>Given name (Thai)</translation>
    </message>
    <message>
        <source>นามสกุล (ไทย)</source>
        <translation>Family name (Thai)</translation>
    </message>
    <message>
        <source>ชื่อ (อังกฤษ)</source>
        <translation>Given name (English)</translation>
    </message>
    <message>
        <source>นามสกุล (อังกฤษ)</source>
        <translation>Family name (English)</translation>
    </message>
    <message>
        <source>เพศ</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>วันเกิด</source>
        <translation>Day of birth</translation>
    </message>
    <message>
        <source>เดือนเกิด</source>
        <translation>Month of birth</translation>
    </message>
    <message>
        <source>ปีเกิด พ.ศ.</source>
        <translation>Year of birth (Buddhist era)</translation>
    </message>
    <message>
        <source>อายุโดยประมาณ (ปี) เมื่อไม่ทราบปีเกิด</source>
        <translation>Estimated age (years) when the birth year is not known</translation>
    </message>
    <message>
        <source>เมื่อไม่ทราบปีเกิด ใส่อายุโดยประมาณ (บันทึกเป็นปีเกิดโดยประมาณ)</source>
        <translation>When the birth year is not known, enter an estimated age (kept as an estimated birth year)</translation>
    </message>
    <message>
        <source>หรืออายุประมาณ</source>
        <translation>or about age</translation>
    </message>
    <message>
        <source>วันเกิด (พ.ศ.)</source>
        <translation>Birth date (Buddhist-era year)</translation>
    </message>
    <message>
        <source>ที่อยู่</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>จังหวัด/อำเภอ/ตำบล</source>
        <translation>Province / district / subdistrict</translation>
    </message>
    <message>
        <source>โทรศัพท์</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>สิทธิการรักษา</source>
        <translation>Health insurance right</translation>
    </message>
    <message>
        <source>อาจซ้ำกับผู้ป่วยเดิม</source>
        <translation>Possible duplicates</translation>
    </message>
    <message>
        <source>บันทึก (Enter)</source>
        <translation>Save (Enter)</translation>
    </message>
    <message>
        <source>เปิดแฟ้มเดิม</source>
        <translation>Open that record</translation>
    </message>
    <message>
        <source>อาจซ้ำกับผู้ป่วยเดิม:</source>
        <translation>May be a patient already registered:</translation>
    </message>
    <message>
        <source>ถูกต้อง</source>
        <translation>valid</translation>
    </message>
    <message>
        <source>เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้ว: {name} (HN {hn}) ไม่ได้บันทึกซ้ำ</source>
        <translation>This citizen ID is registered already: {name} (HN {hn}). Nothing was saved twice.</translation>
    </message>
    <message>
        <source>{name}  เกิด {born}</source>
        <translation>{name}  born {born}</translation>
    </message>
    <message>
        <source>พบผู้ป่วยที่อาจซ้ำ ตรวจรายชื่อด้านบน แล้วกดบันทึกอีกครั้งถ้าเป็นคนละคน</source>
        <translation>Possible duplicates found: check the list above, then press Save again if this is a different person</translation>
    </message>
    <message>
        <source>บันทึกแล้ว HN {hn} (รอส่งเมื่อออนไลน์)</source>
        <translation>Saved, HN {hn} (sent when online)</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>ตั้งค่าหน่วยบริการจริง</source>
        <translation>Set up a real unit</translation>
    </message>
    <message>
        <source>รหัสหน่วยบริการ (5 หลัก)</source>
        <translation>Facility code (5 digits)</translation>
    </message>
    <message>
        <source>ชื่อหน่วยบริการ</source>
        <translation>Facility name</translation>
    </message>
    <message>
        <source>ที่อยู่ระบบกลาง (https)</source>
        <translation>Hub address (https)</translation>
    </message>
    <message>
        <source>ผู้ดูแลระบบคนแรก</source>
        <translation>First administrator</translation>
    </message>
    <message>
        <source>รหัสผ่าน</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>ยืนยันรหัสผ่าน</source>
        <translation>Repeat password</translation>
    </message>
    <message>
        <source>โฟลเดอร์ข้อมูล</source>
        <translation>Data folder</translation>
    </message>
</context>
<context>
    <name>SetupDoneDialog</name>
    <message>
        <source>ตั้งค่าเสร็จแล้ว</source>
        <translation>Unit set up</translation>
    </message>
    <message>
        <source>กุญแจกู้คืน (แสดงครั้งเดียว พิมพ์หรือจดเก็บในที่ปลอดภัย)</source>
        <translation>Recovery key (shown once: print it or write it down and keep it safe)</translation>
    </message>
    <message>
        <source>ส่งข้อมูลนี้ให้ผู้ดูแลระบบกลางเพื่อลงทะเบียนเครื่อง</source>
        <translation>Give this to the hub&apos;s administrator to enrol this desktop:</translation>
    </message>
    <message>
        <source>ข้อมูลลงทะเบียนเครื่องสำหรับระบบกลาง</source>
        <translation>Desktop enrolment for the hub</translation>
    </message>
    <message>
        <source>เปิดโปรแกรมใหม่เพื่อใช้หน่วยบริการนี้:
{folder}</source>
        <translation>Restart clinic-app to work in this unit:
{folder}</translation>
    </message>
</context>
<context>
    <name>Sex</name>
    <message>
        <source>ชาย</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>หญิง</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>อื่น ๆ</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>ไม่ระบุ</source>
        <translation>Unknown</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>ล็อกหน้าจอ</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>เข้าสู่ระบบ</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>หน้าจอถูกล็อกเพราะไม่มีการใช้งาน ข้อมูลที่กรอกค้างไว้ยังอยู่</source>
        <translation>Locked after inactivity; unsaved entries are kept.</translation>
    </message>
    <message>
        <source>ชื่อผู้ใช้</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>รหัสผ่าน</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>โปรดเข้าสู่ระบบ</source>
        <translation>Please sign in</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>สถานะ</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>ประเภท</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>เหตุผล</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>ผู้ป่วย</source>
        <translation>Patient</translation>
    </message>
    <message>
        <source>รายการรอส่งและที่ระบบกลางไม่รับ</source>
        <translation>Waiting to send, and refused by the hub</translation>
    </message>
    <message>
        <source>ข้อมูลขัดแย้ง</source>
        <translation>Conflicts</translation>
    </message>
    <message>
        <source>ค่าของสองเครื่องที่ขัดแย้งกัน</source>
        <translation>Conflicting values from both desktops</translation>
    </message>
    <message>
        <source>ข้อมูล</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>เครื่องนี้</source>
        <translation>This desktop</translation>
    </message>
    <message>
        <source>เครื่องอื่น</source>
        <translation>Other desktop</translation>
    </message>
    <message>
        <source>ใช้ตามที่เลือก</source>
        <translation>Apply choices</translation>
    </message>
    <message>
        <source>ข้อมูลขัดแย้ง (แก้ไขพร้อมกันสองเครื่อง)</source>
        <translation>Conflicts (edited on two desktops at once)</translation>
    </message>
    <message>
        <source>รอส่ง</source>
        <translation>Waiting to send</translation>
    </message>
    <message>
        <source>กำลังส่ง</source>
        <translation>Sending</translation>
    </message>
    <message>
        <source>ระบบกลางไม่รับ</source>
        <translation>Refused by hub</translation>
    </message>
    <message>
        <source>ขัดแย้ง</source>
        <translation>Conflict</translation>
    </message>
    <message>
        <source>แก้ไขที่เครื่องอื่นด้วย: {fields}</source>
        <translation>Also changed on another desktop: {fields}</translation>
    </message>
    <message>
        <source>ไม่ทราบผู้บันทึก</source>
        <translation>author unknown</translation>
    </message>
    <message>
        <source>{who} เมื่อ {when}</source>
        <translation>{who} at {when}</translation>
    </message>
    <message>
        <source>เครื่องนี้: {here}
เครื่องอื่น (ผ่านระบบกลาง): {there}</source>
        <translation>This desktop: {here}
Other desktop (through the hub): {there}</translation>
    </message>
    <message>
        <source>(ว่าง)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>ใช้ค่านี้: {value}</source>
        <translation>Use this value: {value}</translation>
    </message>
</context>
<context>
    <name>Training</name>
    <message>
        <source>กำลังเตรียมข้อมูลตัวอย่าง…</source>
        <translation>Preparing demo data…</translation>
    </message>
</context>
<context>
    <name>UnitSettingsDialog</name>
    <message>
        <source>ตั้งค่าหน่วยบริการ</source>
        <translation>Unit settings</translation>
    </message>
    <message>
        <source>ระบบกลางต้องใช้การยืนยันตัวตนของเครื่อง (SMART)</source>
        <translation>The hub needs this desktop&apos;s authentication (SMART)</translation>
    </message>
    <message>
        <source>ว่าง: ใช้ใบรับรองของระบบ</source>
        <translation>Empty: the system&apos;s certificates</translation>
    </message>
    <message>
        <source>เลือกไฟล์…</source>
        <translation>Choose a file…</translation>
    </message>
    <message>
        <source>เลือกไฟล์ใบรับรอง</source>
        <translation>Choose a certificate file</translation>
    </message>
    <message>
        <source> นาที</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source>ชื่อหน่วยบริการ</source>
        <translation>Facility name</translation>
    </message>
    <message>
        <source>ที่อยู่ระบบกลาง (https)</source>
        <translation>Hub address (https)</translation>
    </message>
    <message>
        <source>การยืนยันตัวตน</source>
        <translation>Authentication</translation>
    </message>
    <message>
        <source>ใบรับรอง CA ของระบบกลาง</source>
        <translation>The hub&apos;s CA certificate</translation>
    </message>
    <message>
        <source>ซิงก์ทุก</source>
        <translation>Sync every</translation>
    </message>
    <message>
        <source>ล็อกหน้าจอเมื่อไม่ใช้งาน</source>
        <translation>Lock the screen when idle for</translation>
    </message>
    <message>
        <source>จำนวนรายการต่อการส่งหนึ่งครั้ง</source>
        <translation>Records per push</translation>
    </message>
    <message>
        <source>จำนวนรายการต่อการรับหนึ่งหน้า</source>
        <translation>Records per pulled page</translation>
    </message>
    <message>
        <source>ใบรับรอง CA</source>
        <translation>CA certificate</translation>
    </message>
</context>
<context>
    <name>Upgrade</name>
    <message>
        <source>กำลังปรับข้อมูลเดิมให้เป็นรูปแบบมาตรฐาน (SIL-TH) ครั้งเดียว…</source>
        <translation>Bringing the records into the national standard&apos;s (SIL-TH) shapes, once…</translation>
    </message>
</context>
<context>
    <name>VisitDetailsDialog</name>
    <message>
        <source>รายละเอียดการรับบริการ</source>
        <translation>Visit details</translation>
    </message>
    <message>
        <source>ไม่มี</source>
        <translation>None</translation>
    </message>
    <message>
        <source>วันที่</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>หน่วยบริการ</source>
        <translation>Facility</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>สัญญาณชีพ</source>
        <translation>Vital signs</translation>
    </message>
    <message>
        <source>การวินิจฉัย</source>
        <translation>Diagnosis</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Drugs dispensed</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>บันทึกเพิ่มเติม</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>บันทึกการตรวจ</source>
        <translation>Record a visit</translation>
    </message>
    <message>
        <source>อาการสำคัญ</source>
        <translation>Chief complaint</translation>
    </message>
    <message>
        <source>ความดันตัวบน</source>
        <translation>Systolic blood pressure (upper)</translation>
    </message>
    <message>
        <source>ความดันตัวล่าง</source>
        <translation>Diastolic blood pressure (lower)</translation>
    </message>
    <message>
        <source>ความดันโลหิต</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>/นาที</source>
        <translation>/min</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>พิมพ์รหัสหรือชื่อโรค เช่น J00 หรือ หวัด</source>
        <translation>Type a code or disease name, e.g. J00 or cold</translation>
    </message>
    <message>
        <source>การวินิจฉัย (ICD-10)</source>
        <translation>Diagnosis (ICD-10)</translation>
    </message>
    <message>
        <source>ยาที่จ่าย</source>
        <translation>Medicine given</translation>
    </message>
    <message>
        <source>จำนวนยา</source>
        <translation>Medicine amount</translation>
    </message>
    <message>
        <source>ยาที่จ่าย / จำนวน</source>
        <translation>Medicine / amount</translation>
    </message>
    <message>
        <source>วัคซีน</source>
        <translation>Vaccine</translation>
    </message>
    <message>
        <source>บันทึกเพิ่มเติม</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>ค่าที่วัดได้ผิดปกติมาก ยืนยันว่าถูกต้องและบันทึกหรือไม่?</source>
        <translation>Some readings are far from usual. Are they right? Save them as they are?</translation>
    </message>
</context>
<context>
    <name>Vitals</name>
    <message>
        <source>ความดันโลหิต</source>
        <translation>Blood pressure</translation>
    </message>
    <message>
        <source>น้ำหนัก</source>
        <translation>Weight</translation>
    </message>
    <message>
        <source>ส่วนสูง</source>
        <translation>Height</translation>
    </message>
    <message>
        <source>อุณหภูมิ</source>
        <translation>Temperature</translation>
    </message>
    <message>
        <source>ชีพจร</source>
        <translation>Pulse</translation>
    </message>
    <message>
        <source>การหายใจ</source>
        <translation>Respiration</translation>
    </message>
</context>
<context>
    <name>VitalsPlot</name>
    <message>
        <source>กราฟความดันและน้ำหนัก</source>
        <translation>Blood pressure and weight over time</translation>
    </message>
    <message>
        <source>ความดันตัวบน (แดง) ตัวล่าง (ส้ม) mmHg แกนซ้าย · น้ำหนัก (น้ำเงิน) kg แกนขวา</source>
        <translation>Systolic (red), diastolic (orange) mmHg, left axis · weight (blue) kg, right axis</translation>
    </message>
    <message>
        <source>ยังไม่มีข้อมูลสัญญาณชีพ</source>
        <translation>No vital signs yet</translation>
    </message>
</context>
</TS>
